import { parseSync as parseOfx } from 'ofx-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type App, startApp } from '../../app.ts';
import { loadConfig } from '../../config.ts';
import { createTestDatabase, type TestDatabase } from '../../db/testing.ts';
import { createLogger } from '../../log.ts';
import type { Transaction } from '../../sandbox/index.ts';

/**
 * The answers end to end over real HTTP, against the service as `npm start` wires it in local
 * mode: a month built row by row in the sandbox (card purchases, a refund, a bill payment seen
 * from checking and from the card, an installment, a USD purchase, pending → posted, an own
 * transfer, salary), synced by the service, and every figure checked against totals this test
 * computes itself from the sandbox's rows, in integer cents.
 */
const TOKEN = 'test-api-token-0123456789abcdef';
const PHONE = '11 91234-5678';
let t: TestDatabase;
let app: App;

// biome-ignore lint/suspicious/noExplicitAny: the test reads arbitrary JSON answers
type Json = Record<string, any>;
async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {}
  return { status: res.status, json, text, headers: res.headers };
}
const user = (path: string) => `/v1/users/${encodeURIComponent(PHONE)}${path}`;

/** Cents of a decimal string or a number with ≤ 2 decimals, exactly. */
function cents(v: string | number): bigint {
  const s = typeof v === 'number' ? v.toFixed(2) : v;
  const neg = s.startsWith('-');
  const [i = '0', f = ''] = s.replace('-', '').split('.');
  if (/[1-9]/.test(f.slice(2))) throw new Error(`not whole cents: ${s}`);
  const n = BigInt(i) * 100n + BigInt((f + '00').slice(0, 2));
  return neg ? -n : n;
}
const abs = (n: bigint) => (n < 0n ? -n : n);
const fmt = (n: bigint) => {
  const neg = n < 0n;
  const a = abs(n).toString().padStart(3, '0');
  return `${neg ? '-' : ''}${a.slice(0, -2)}.${a.slice(-2)}`;
};

/** The test's own reading of a row's calendar day: midnight UTC as is, else São Paulo (UTC−3). */
function day(isoTime: string): string {
  if (isoTime.endsWith('T00:00:00.000Z')) return isoTime.slice(0, 10);
  return new Date(Date.parse(isoTime) - 3 * 3_600_000).toISOString().slice(0, 10);
}

type Row = Transaction & { accountType: string };

/** The month's figures, computed here from the sandbox's rows (not from the service). */
function expected(rows: Row[], month: string) {
  let income = 0n;
  let transfersIn = 0n;
  let transfersOut = 0n;
  const cat = new Map<string, { amount: bigint; count: number }>();
  for (const r of rows) {
    if (!day(r.date).startsWith(month)) continue;
    const amt = abs(cents(r.amountInAccountCurrency ?? r.amount));
    const id = r.categoryId;
    if (id && (id.startsWith('04') || id === '05100000')) {
      if (r.type === 'DEBIT') transfersOut += amt;
      else transfersIn += amt;
      continue;
    }
    const top = id && id !== '99999999' ? `${id.slice(0, 2)}000000` : '99999999';
    const refund =
      r.type === 'CREDIT' &&
      (r.accountType === 'CREDIT' ||
        (id !== null && id !== '99999999' && !['01', '03', '05'].includes(id.slice(0, 2))));
    if (r.type === 'CREDIT' && !refund) {
      income += amt;
      continue;
    }
    const c = cat.get(top) ?? { amount: 0n, count: 0 };
    c.amount += r.type === 'DEBIT' ? amt : -amt;
    c.count++;
    cat.set(top, c);
  }
  let spending = 0n;
  for (const c of cat.values()) spending += c.amount;
  return { income, spending, net: income - spending, transfersIn, transfersOut, cat };
}

let itemId: string;
let checking: string;
let card: string;
let savings: string | undefined;
let month: string;
let nextMonth: string;
let today: string;
const explicit: Transaction[] = [];
let restatedFrom: string;
let restated: Transaction;

function allRows(): Row[] {
  const truth = app.sandbox!.admin.truth(itemId);
  const types = new Map(truth.accounts.map((a) => [a.id, a.type]));
  return Object.entries(truth.transactionsByAccount).flatMap(([acc, rows]) =>
    rows.map((r) => ({ ...r, accountType: types.get(acc) ?? 'BANK' })),
  );
}

async function waitForRows() {
  await vi.waitFor(
    async () => {
      const ids = allRows().map((r) => r.id);
      const res = await t.pool.query<{ n: number; all: number }>(
        `SELECT count(*) FILTER (WHERE id = ANY($2))::int AS n, count(*)::int AS all
         FROM transactions WHERE item_id = $1`,
        [itemId, ids],
      );
      if (res.rows[0]!.n !== ids.length || res.rows[0]!.all !== ids.length) throw new Error('not synced yet');
    },
    { timeout: 90_000, interval: 300 },
  );
}

beforeAll(async () => {
  t = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: t.url,
    PORT: '0',
    SANDBOX_PORT: '0',
    API_TOKENS: TOKEN,
    LOG_LEVEL: 'silent',
  });
  app = await startApp(config, createLogger('silent'));
  const sb = app.sandbox!;

  await call('POST', '/v1/users', { phone: PHONE });
  const link = await call('POST', user('/connect-links'), {});
  const session = await fetch(`${app.url}/v1/connect/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link: link.json.url }),
  }).then((r) => r.json() as Promise<Json>);
  const created = await fetch(`${sb.url}/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': session.connectToken },
    body: JSON.stringify({ connectorId: 0, parameters: { user: 'user-ok', password: 'password-ok' } }),
  }).then((r) => r.json() as Promise<Json>);
  itemId = created.id;
  await sb.admin.waitForItemStatus(itemId, 'UPDATED', 60_000);
  const accounts = sb.admin.truth(itemId).accounts;
  checking = accounts.find((a) => a.subtype === 'CHECKING_ACCOUNT')!.id;
  card = accounts.find((a) => a.type === 'CREDIT')!.id;
  savings = accounts.find((a) => a.subtype === 'SAVINGS_ACCOUNT')?.id;
  await waitForRows();

  const now = sb.admin.now();
  today = now.toISOString().slice(0, 10);
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  month = first.toISOString().slice(0, 7);
  nextMonth = now.toISOString().slice(0, 7);
  const d = (n: number) => `${month}-${String(n).padStart(2, '0')}`;
  const rows = [
    {
      accountId: checking,
      date: d(5),
      amount: '8500.00',
      type: 'CREDIT',
      description: 'SALARIO ACME',
      categoryId: '01010000',
    },
    {
      accountId: checking,
      date: d(10),
      amount: '-1234.56',
      type: 'DEBIT',
      description: 'PAGTO FATURA CARTAO',
      categoryId: '05100000',
    },
    {
      accountId: checking,
      date: d(12),
      amount: '-500.00',
      type: 'DEBIT',
      description: 'PIX PARA MIM',
      categoryId: '04020000',
    },
    {
      accountId: checking,
      date: `${d(14)}T15:30:00.000Z`,
      amount: '-321.09',
      type: 'DEBIT',
      description: 'MERCADO TESTE',
      categoryId: '10000000',
      merchant: { name: 'Mercado Teste', cnpj: '12345678000199' },
    },
    {
      accountId: checking,
      date: d(16),
      amount: '21.09',
      type: 'CREDIT',
      description: 'ESTORNO MERCADO',
      categoryId: '10000000',
    },
    // 01:00 UTC on the 1st of next month is still the last day of this month in São Paulo.
    {
      accountId: checking,
      date: `${nextMonth}-01T01:00:00.000Z`,
      amount: '-11.11',
      type: 'DEBIT',
      description: 'PADARIA MADRUGADA',
      categoryId: '10000000',
    },
    {
      accountId: card,
      date: d(4),
      amount: '450.00',
      type: 'DEBIT',
      description: 'LOJA ROUPA',
      categoryId: '08040000',
    },
    {
      accountId: card,
      date: d(18),
      amount: '-150.00',
      type: 'CREDIT',
      description: 'ESTORNO LOJA ROUPA',
      categoryId: '08040000',
    },
    {
      accountId: card,
      date: d(10),
      amount: '-1234.56',
      type: 'CREDIT',
      description: 'PAGAMENTO RECEBIDO',
      categoryId: '05100000',
      cardPayment: true,
    },
    {
      accountId: card,
      date: d(6),
      amount: '99.90',
      type: 'DEBIT',
      description: 'TV PARCELADA',
      categoryId: '08020000',
      installment: { number: 2, total: 3 },
    },
    {
      accountId: card,
      date: d(8),
      amount: '25.00',
      type: 'DEBIT',
      description: 'STREAMING USD',
      categoryId: '09020000',
      currencyCode: 'USD',
      amountInAccountCurrency: '136.25',
    },
    {
      accountId: card,
      date: d(20),
      amount: '42.42',
      type: 'DEBIT',
      description: 'RESTAURANTE',
      categoryId: '11010000',
      status: 'PENDING',
    },
    {
      accountId: card,
      date: d(22),
      amount: '17.00',
      type: 'DEBIT',
      description: 'DELIVERY',
      categoryId: '11020000',
      status: 'PENDING',
    },
    // Bought today in 3: installments 2 and 3 are not billed yet.
    {
      accountId: card,
      date: today,
      amount: '60.00',
      type: 'DEBIT',
      description: 'PARCELADO TESTE',
      categoryId: '08010000',
      status: 'PENDING',
      installment: { number: 1, total: 3, purchaseDate: today },
    },
    ...(savings
      ? [
          {
            accountId: savings,
            date: d(12),
            amount: '500.00',
            type: 'CREDIT',
            description: 'PIX DE MIM',
            categoryId: '04020000',
          },
        ]
      : []),
  ] as const;
  explicit.push(...(await sb.admin.explicit.addRows(itemId, rows as never)));
  await waitForRows();
  restatedFrom = explicit.find((r) => r.description === 'RESTAURANTE')!.id;
  restated = await sb.admin.explicit.restateAsPosted(itemId, restatedFrom, { date: d(21) });
  sb.admin.explicit.addBill(itemId, {
    accountId: card,
    dueDate: d(10),
    closeDate: d(1),
    totalAmount: '1234.56',
  });
  // A sync of the whole item brings the bill in (bills have no webhook of their own).
  const refresh = await call('POST', user(`/items/${itemId}/refresh`), {});
  expect([refresh.status, refresh.text]).toEqual([202, expect.any(String)]);
  await waitForRows();
  await vi.waitFor(
    async () => {
      const res = await t.pool.query('SELECT 1 FROM credit_card_bills WHERE total_amount = 1234.56');
      if (res.rowCount !== 1) {
        const runs = await t.pool.query(
          'SELECT kind, status, started_at, error FROM sync_runs ORDER BY started_at',
        );
        const bills = await t.pool.query('SELECT account_id, due_date, total_amount FROM credit_card_bills');
        throw new Error(
          `bill not synced yet ${JSON.stringify(runs.rows)} ${JSON.stringify(bills.rows)} ${card}`,
        );
      }
    },
    { timeout: 40_000, interval: 300 },
  );
}, 240_000);
afterAll(async () => {
  await app?.stop();
  await t?.drop();
});

describe('answers over HTTP, to the cent', () => {
  it('summary: every figure equals the test’s own totals from the rows', async () => {
    const res = await call('GET', user(`/summary?month=${month}`));
    expect(res.status).toBe(200);
    const s = res.json;
    const want = expected(allRows(), month);
    expect(s.income).toBe(fmt(want.income));
    expect(s.spending).toBe(fmt(want.spending));
    expect(s.net).toBe(fmt(want.net));
    expect(s.transfers.in).toBe(fmt(want.transfersIn));
    expect(s.transfers.out).toBe(fmt(want.transfersOut));
    const got = new Map<string, Json>(s.categories.map((c: Json) => [c.categoryId, c]));
    expect([...got.keys()].sort()).toEqual([...want.cat.keys()].sort());
    for (const [id, c] of want.cat) {
      expect(got.get(id)?.amount, id).toBe(fmt(c.amount));
      expect(got.get(id)?.count, id).toBe(c.count);
    }
    // Parts add up to the total exactly; names in Portuguese.
    expect(fmt(s.categories.reduce((a: bigint, c: Json) => a + cents(c.amount), 0n))).toBe(s.spending);
    expect(got.get('08000000')?.name).toBe('Compras');
    // The salary is income, the bill payment and the own transfer are transfers, not spending.
    expect(cents(s.income)).toBeGreaterThanOrEqual(850000n);
    expect(s.transfers.rows.map((r: Json) => r.description)).toEqual(
      expect.arrayContaining(['PAGTO FATURA CARTAO', 'PAGAMENTO RECEBIDO', 'PIX PARA MIM']),
    );
    // The bill due this month, paid from checking.
    expect(s.cardBills).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ amount: '1234.56', dueDate: `${month}-10`, status: 'paid' }),
      ]),
    );
    expect(s.asOf).toEqual(expect.any(String));
  });

  it('pending → posted counts once; a still-pending row counts and is marked', async () => {
    const rows = await call('GET', user(`/transactions?accountId=${card}&from=${month}-01&limit=500`));
    const ids = rows.json.data.map((r: Json) => r.id);
    expect(ids).not.toContain(restatedFrom);
    expect(ids).toContain(restated.id);
    const s = (await call('GET', user(`/summary?month=${month}`))).json;
    const food = s.categories.find((c: Json) => c.categoryId === '11000000');
    const mine = allRows().filter((r) => day(r.date).startsWith(month) && r.categoryId?.startsWith('11'));
    expect(food.amount).toBe(fmt(mine.reduce((a, r) => a + abs(cents(r.amount)), 0n)));
    expect(s.pendingCount).toBeGreaterThanOrEqual(1);
  });

  it('cash flow: the months agree with the test’s totals and with the summary', async () => {
    const res = await call('GET', user(`/cash-flow?months=3&until=${month}`));
    expect(res.status).toBe(200);
    const rows = allRows();
    for (const m of res.json.months) {
      const want = expected(rows, m.month);
      expect([m.income, m.spending, m.net], m.month).toEqual([
        fmt(want.income),
        fmt(want.spending),
        fmt(want.net),
      ]);
    }
    expect(res.json.months.map((m: Json) => m.month).at(-1)).toBe(month);
    const bad = await call('GET', user('/cash-flow?months=0'));
    expect(bad.status).toBe(400);
  });

  it('English on request', async () => {
    const s = (await call('GET', user(`/summary?month=${month}&lang=en`))).json;
    expect(s.categories.find((c: Json) => c.categoryId === '08000000')?.name).toBe('Shopping');
  });

  it('a category correction wins everywhere and is remembered for the merchant', async () => {
    const market = explicit.find((r) => r.description === 'MERCADO TESTE')!;
    const before = (await call('GET', user(`/summary?month=${month}`))).json;
    const patched = await call('PATCH', user(`/transactions/${market.id}`), { categoryId: '11010000' });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ categoryId: '11010000', rememberedFor: 'merchant' });
    const after = (await call('GET', user(`/summary?month=${month}`))).json;
    const amt = (s: Json, id: string) =>
      cents(s.categories.find((c: Json) => c.categoryId === id)?.amount ?? '0');
    expect(amt(after, '10000000')).toBe(amt(before, '10000000') - 32109n);
    expect(amt(after, '11000000')).toBe(amt(before, '11000000') + 32109n);
    expect(after.spending).toBe(before.spending);
    const listed = await call(
      'GET',
      user(`/transactions?accountId=${checking}&categoryId=11010000&limit=500`),
    );
    expect(listed.json.data.map((r: Json) => r.id)).toContain(market.id);
    // A later row of the same merchant arrives already in the person's category.
    const [later] = await app.sandbox!.admin.explicit.addRows(itemId, [
      {
        accountId: checking,
        date: today,
        amount: '-10.00',
        type: 'DEBIT',
        description: 'MERCADO TESTE 2',
        categoryId: '10000000',
        merchant: { name: 'Mercado Teste', cnpj: '12345678000199' },
      },
    ]);
    await waitForRows();
    const again = await call(
      'GET',
      user(`/transactions?accountId=${checking}&categoryId=11010000&limit=500`),
    );
    expect(again.json.data.map((r: Json) => r.id)).toContain(later!.id);
    expect(again.json.data.find((r: Json) => r.id === later!.id)?.category).toBe('Eating out');
    const unknown = await call('PATCH', user(`/transactions/${market.id}`), { categoryId: '77777777' });
    expect([unknown.status, unknown.json.code]).toEqual([400, 'unknown-category']);
    const missing = await call('PATCH', user('/transactions/nope'), { categoryId: '11010000' });
    expect([missing.status, missing.json.code]).toEqual([404, 'transaction-not-found']);
  });

  it('upcoming bills: the installments not billed yet appear before they are billed', async () => {
    const res = await call('GET', user('/bills/upcoming?days=75'));
    expect(res.status).toBe(200);
    const inst = res.json.items.filter(
      (i: Json) => i.kind === 'card-installment' && i.name === 'PARCELADO TESTE',
    );
    expect(inst.map((i: Json) => [i.installmentNumber, i.amount, i.estimated])).toEqual([
      [1, '60.00', false],
      [2, '60.00', true],
      [3, '60.00', true],
    ]);
    expect(res.json.asOf).toEqual(expect.any(String));
  });

  it('balance history: today is the current balance, each earlier day undoes the later posted rows', async () => {
    // Rows arrived since the last full sync (the correction test's): the balance comes with the next one.
    const truth = app.sandbox!.admin.truth(itemId);
    const current = cents(truth.accounts.find((a) => a.id === checking)!.balance);
    expect((await call('POST', user(`/items/${itemId}/refresh`), {})).status).toBe(202);
    let acct: Json = {};
    await vi.waitFor(
      async () => {
        const res = await call('GET', user('/balances/history?days=40'));
        acct = res.json.accounts.find((a: Json) => a.accountId === checking);
        if (cents(acct.current) !== current) throw new Error(`balance ${acct.current} not synced yet`);
      },
      { timeout: 90_000, interval: 500 },
    );
    const rows = truth.transactionsByAccount[checking]!.filter((r) => r.status === 'POSTED');
    for (const dayRow of acct.days) {
      let moved = 0n;
      for (const r of rows)
        if (day(r.date) > dayRow.date)
          moved += r.type === 'CREDIT' ? abs(cents(r.amount)) : -abs(cents(r.amount));
      expect(cents(dayRow.balance), dayRow.date).toBe(current - moved);
    }
    expect(acct.days.length).toBe(40);
  });

  it('OFX export parses with an OFX parser and round-trips counts and sums', async () => {
    const from = `${month}-01`;
    const to = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0))
      .toISOString()
      .slice(0, 10);
    const res = await call('GET', user(`/transactions.ofx?from=${from}&to=${to}`));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ofx');
    const ofx = parseOfx(res.text);
    const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
    const statements = [
      ...list(ofx.OFX.BANKMSGSRSV1?.STMTTRNRS).map((s: Json) => s.STMTRS),
      ...list(ofx.OFX.CREDITCARDMSGSRSV1?.CCSTMTTRNRS).map((s: Json) => s.CCSTMTRS),
    ];
    const truth = app.sandbox!.admin.truth(itemId);
    expect(statements.length).toBe(truth.accounts.length);
    for (const st of statements) {
      const acc = (st.BANKACCTFROM ?? st.CCACCTFROM).ACCTID as string;
      const trns = list(st.BANKTRANLIST?.STMTTRN) as Json[];
      // The service's rows of the range are the sandbox's rows dated in it (as timestamps, UTC).
      const rows = truth.transactionsByAccount[acc]!.filter((r) => {
        const ts = Date.parse(r.date);
        return ts >= Date.parse(`${from}T00:00:00Z`) && ts <= Date.parse(`${to}T23:59:59.999Z`);
      });
      expect(trns.length, acc).toBe(rows.length);
      const sum = trns.reduce((a, x) => a + cents(String(x.TRNAMT)), 0n);
      const want = rows.reduce(
        (a, r) => a + (r.type === 'DEBIT' ? -1n : 1n) * abs(cents(r.amountInAccountCurrency ?? r.amount)),
        0n,
      );
      expect(sum, acc).toBe(want);
      expect(new Set(trns.map((x) => x.FITID)).size).toBe(trns.length);
    }
  });

  it('bad input is a clear 4xx, an unknown person 404', async () => {
    expect((await call('GET', user('/summary?month=2026-13'))).status).toBe(400);
    expect((await call('GET', user('/transactions.ofx?from=2026-02-10&to=2026-02-01'))).json.code).toBe(
      'invalid-range',
    );
    expect((await call('GET', '/v1/users/11999999999/summary')).status).toBe(404);
    const noAuth = await fetch(`${app.url}${user('/summary')}`);
    expect(noAuth.status).toBe(401);
  });

  it('documented in OpenAPI', async () => {
    const doc = await call('GET', '/openapi.json');
    const paths = Object.keys(doc.json.paths ?? {});
    for (const p of ['summary', 'cash-flow', 'bills/upcoming', 'balances/history', 'transactions.ofx']) {
      expect(
        paths.some((x) => x.endsWith(p)),
        p,
      ).toBe(true);
    }
  });
});

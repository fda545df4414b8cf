import type { Account, Progress, Spending } from './api.ts';
import { formatMoney, type Messages } from './i18n.ts';

/** The connected accounts (balances, card limits) and the last 30 days' spending, as the API computed it. */
export function Results({ t, progress, itemId }: { t: Messages; progress: Progress; itemId: string }) {
  const accounts = progress.items.find((i) => i.id === itemId)?.accounts ?? [];
  return (
    <>
      <section aria-labelledby="accounts-title">
        <h2 id="accounts-title">{t.accounts}</h2>
        {accounts.length === 0 ? (
          <p>{t.noAccounts}</p>
        ) : (
          <ul className="accounts">
            {accounts.map((a) => (
              <AccountCard key={a.id} t={t} a={a} />
            ))}
          </ul>
        )}
      </section>
      <SpendingChart t={t} spending={progress.spending} />
    </>
  );
}

function AccountCard({ t, a }: { t: Messages; a: Account }) {
  const name = a.marketingName ?? a.name ?? a.type;
  const money = (v: string) => formatMoney(v, a.currencyCode, t.locale);
  return (
    <li className="account" data-account-id={a.id}>
      <p className="account-name">
        {name}
        {a.number ? <span className="muted"> · {a.number}</span> : null}
      </p>
      <dl>
        {a.balance !== null ? (
          <div>
            <dt>{t.balance}</dt>
            <dd>{money(a.balance)}</dd>
          </div>
        ) : null}
        {a.creditLimit !== null ? (
          <div>
            <dt>{t.limit}</dt>
            <dd>{money(a.creditLimit)}</dd>
          </div>
        ) : null}
        {a.availableCreditLimit !== null ? (
          <div>
            <dt>{t.available}</dt>
            <dd>{money(a.availableCreditLimit)}</dd>
          </div>
        ) : null}
      </dl>
    </li>
  );
}

/**
 * A bar per category. Amounts are the API's decimal strings, printed as given; only the bars' widths
 * (a drawing, not money) are ratios in floating point.
 */
function SpendingChart({ t, spending }: { t: Messages; spending: Spending }) {
  const rows = spending.categories.filter((c) => Number(c.total) > 0);
  const max = Math.max(...rows.map((c) => Number(c.total)), 0);
  return (
    <section aria-labelledby="spending-title" className="spending">
      <h2 id="spending-title">{t.spendingTitle}</h2>
      {rows.length === 0 ? (
        <p>{t.noSpending}</p>
      ) : (
        <ul className="chart" data-testid="spending-chart">
          {rows.map((c) => (
            <li key={c.categoryId}>
              <span className="chart-label">{c.category || t.uncategorized}</span>
              <span className="chart-value">{formatMoney(c.total, spending.currencyCode, t.locale)}</span>
              <span className="chart-track" aria-hidden="true">
                <span
                  className="chart-bar"
                  style={{ width: `${Math.max(2, (Number(c.total) / max) * 100)}%` }}
                />
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

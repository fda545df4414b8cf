import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from './index.ts';
import { validCnpj } from './routes/merchants.ts';
import { apiKey, client } from './test-helpers.ts';
import { merchantCnpj } from './world/pools.ts';

let sb: Awaited<ReturnType<typeof startSandbox>>;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  sb = await startSandbox({ port: 0 });
  api = client(sb.url, await apiKey(sb.url));
});
afterAll(async () => {
  await sb?.close();
});

describe('sandbox GET /merchants', () => {
  it('answers found, not found and invalid CNPJs apart, all three always present', async () => {
    const known = merchantCnpj('iFood');
    const brand = merchantCnpj('DL *DISNEYPLUS');
    const unknown = '11222333000181';
    const r = await api.get(`/merchants?cnpjs=${known},${brand},${unknown},123,11111111111111`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      foundMerchants: [
        expect.objectContaining({
          cnpj: known,
          name: 'iFood',
          businessName: expect.any(String),
          category: 'Food delivery',
        }),
        expect.objectContaining({ cnpj: brand, name: 'Disney+' }),
      ],
      notFoundMerchants: [unknown],
      invalidCnpjs: ['123', '11111111111111'],
    });
  });

  it('needs cnpjs and an API key', async () => {
    expect((await api.get('/merchants')).status).toBe(400);
    expect(
      (
        await api.get(
          `/merchants?cnpjs=${Array(101)
            .fill('11222333000181')
            .map((c, i) => c.slice(0, 12) + String(i).padStart(2, '0'))
            .join(',')}`,
        )
      ).status,
    ).toBe(400);
    expect((await fetch(`${sb.url}/merchants?cnpjs=11222333000181`)).status).toBe(403);
  });

  it('checks both CNPJ check digits', () => {
    expect(validCnpj('11222333000181')).toBe(true);
    expect(validCnpj('11222333000182')).toBe(false);
    expect(validCnpj('1122233300018')).toBe(false);
  });
});

/**
 * The account holder: a person (CPF) or, on business connectors, a company (CNPJ) with a partner.
 */
import { DAY_MS, dayStart } from '../clock.ts';
import type { Rng } from '../random.ts';
import { BANKS, CITIES, COMPANY_WORDS, makeCnpj, makeCpf, personName, statementText } from './pools.ts';
import type { Holder } from './model.ts';

export function makeHolder(rng: Rng, business: boolean, nowMs: number): Holder {
  const city = rng.pick(CITIES);
  const bank = rng.pick(BANKS);
  const agency = rng.digits(4);
  if (business) {
    const [a, b] = rng.pick(COMPANY_WORDS);
    const name = `${a} ${b} Ltda`;
    return {
      business,
      name,
      document: makeCnpj(rng),
      documentType: 'CNPJ',
      bank,
      agency,
      email: `financeiro@${statementText(b)
        .toLowerCase()
        .replace(/[^a-z]/g, '')}.com.br`,
      phone: `+55 11 3${rng.digits(3)}-${rng.digits(4)}`,
      city,
      partner: personName(rng),
      birthDate: dayStart(nowMs - rng.int(3, 25) * 365 * DAY_MS),
    };
  }
  const name = personName(rng);
  const [first, last] = [name.split(' ')[0]!, name.split(' ')[2]!];
  return {
    business,
    name,
    document: makeCpf(rng),
    documentType: 'CPF',
    bank,
    agency,
    email: `${statementText(first).toLowerCase()}.${statementText(last).toLowerCase()}@example.com`,
    phone: `+55 11 9${rng.digits(4)}-${rng.digits(4)}`,
    city,
    partner: null,
    birthDate: dayStart(nowMs - rng.int(20, 70) * 365 * DAY_MS - rng.int(0, 364) * DAY_MS),
  };
}

/**
 * The identity product (GET /identity).
 */
import { iso } from '../clock.ts';
import type { Rng } from '../random.ts';
import type { JsonObject } from '../types.ts';
import { makeCpf, personName } from './pools.ts';
import type { Holder } from './model.ts';

export function makeIdentity(rng: Rng, itemId: string, h: Holder, nowMs: number): JsonObject {
  const [city, state, postalCode, street] = h.city;
  const number = rng.int(10, 2500);
  const address = {
    fullAddress: `${street}, ${number}, ${city} - ${state}, ${postalCode}`,
    primaryAddress: `${street}, ${number}`,
    city,
    postalCode,
    state,
    country: 'Brasil',
    type: h.business ? 'Work' : 'Personal',
    additionalInfo: null,
  };
  const common = {
    id: rng.uuid(),
    itemId,
    document: h.document,
    documentType: h.documentType,
    taxNumber: h.document,
    establishmentName: null,
    establishmentCode: null,
    phoneNumbers: [{ type: h.business ? 'Work' : 'Personal', value: h.phone }],
    emails: [{ type: h.business ? 'Work' : 'Personal', value: h.email }],
    addresses: [address],
    financialRelationships: null,
    qualifications: null,
    createdAt: iso(nowMs),
    updatedAt: iso(nowMs),
  };
  if (h.business) {
    return {
      ...common,
      fullName: null,
      companyName: h.name,
      birthDate: null,
      jobTitle: null,
      investorProfile: null,
      relations: null,
      incorporationDate: iso(h.birthDate),
      parties: [
        {
          type: 'PARTNER',
          personType: 'NATURAL_PERSON',
          civilName: h.partner,
          documentType: 'CPF',
          documentNumber: makeCpf(rng),
          shareholding: 1,
        },
      ],
    };
  }
  return {
    ...common,
    fullName: h.name,
    companyName: null,
    birthDate: iso(h.birthDate),
    jobTitle: rng.pick([
      'Engenheira de Software',
      'Analista Financeiro',
      'Professor',
      'Médica',
      'Designer',
      'Advogado',
    ]),
    investorProfile: rng.pick(['Conservative', 'Moderate', 'Aggressive']),
    relations: [{ type: 'Mother', name: personName(rng), document: null }],
    sex: rng.pick(['FEMALE', 'MALE']),
  };
}

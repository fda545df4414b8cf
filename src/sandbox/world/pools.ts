/**
 * Static pools the generator draws from: people, companies, merchants, cities. Merchant CNPJs are
 * synthetic (valid check digits, derived from the name), never a real company's registration.
 */
import { hashSeed, Rng } from '../random.ts';

// biome-ignore format: data table
const FIRST_NAMES = [
  'Ana', 'Beatriz', 'Bruno', 'Camila', 'Carlos', 'Daniela', 'Diego', 'Eduarda', 'Felipe', 'Fernanda',
  'Gabriel', 'Gustavo', 'Helena', 'Igor', 'Isabela', 'João', 'Juliana', 'Larissa', 'Leonardo', 'Letícia',
  'Lucas', 'Luiza', 'Marcos', 'Maria', 'Mariana', 'Mateus', 'Natália', 'Paulo', 'Pedro', 'Rafael',
  'Renata', 'Ricardo', 'Rodrigo', 'Sofia', 'Thiago', 'Vanessa', 'Vinícius', 'Yasmin',
] as const;

// biome-ignore format: data table
const LAST_NAMES = [
  'Almeida', 'Alves', 'Araújo', 'Barbosa', 'Cardoso', 'Carvalho', 'Castro', 'Costa', 'Dias', 'Fernandes',
  'Ferreira', 'Gomes', 'Lima', 'Lopes', 'Martins', 'Melo', 'Mendes', 'Moreira', 'Nascimento', 'Oliveira',
  'Pereira', 'Ribeiro', 'Rocha', 'Rodrigues', 'Santos', 'Silva', 'Soares', 'Souza', 'Teixeira', 'Vieira',
] as const;

// biome-ignore format: data table
export const COMPANY_WORDS = [
  ['Padaria', 'Pão Dourado'], ['Comercial', 'Horizonte'], ['Distribuidora', 'Vale Verde'], ['Oficina', 'Boa Estrada'],
  ['Estúdio', 'Luz & Forma'], ['Tecnologia', 'Nuvem Clara'], ['Construtora', 'Alicerce'], ['Transportes', 'Rota Sul'],
  ['Clínica', 'Bem Viver'], ['Mercearia', 'Dona Rosa'], ['Consultoria', 'Prisma'], ['Gráfica', 'Papel & Tinta'],
] as const;

// biome-ignore format: data table
export const CITIES = [
  ['São Paulo', 'SP', '01310-100', 'Av. Paulista'],
  ['Rio de Janeiro', 'RJ', '22041-001', 'Rua Barata Ribeiro'],
  ['Belo Horizonte', 'MG', '30130-010', 'Av. Afonso Pena'],
  ['Curitiba', 'PR', '80020-000', 'Rua XV de Novembro'],
  ['Porto Alegre', 'RS', '90010-150', 'Rua dos Andradas'],
  ['Recife', 'PE', '50030-230', 'Av. Conde da Boa Vista'],
  ['Salvador', 'BA', '40020-000', 'Av. Sete de Setembro'],
  ['Florianópolis', 'SC', '88010-400', 'Rua Felipe Schmidt'],
] as const;

/** Brazilian banks: [COMPE code, ISPB, short name]. */
// biome-ignore format: data table
export const BANKS = [
  ['341', '60701190', 'Itaú'],
  ['237', '60746948', 'Bradesco'],
  ['001', '00000000', 'Banco do Brasil'],
  ['104', '00360305', 'Caixa'],
  ['033', '90400888', 'Santander'],
  ['260', '18236120', 'Nu Pagamentos'],
  ['077', '00416968', 'Banco Inter'],
  ['336', '31872495', 'C6 Bank'],
] as const;

export type MerchantDef = {
  name: string;
  businessName: string;
  categoryId: string;
  mcc: number;
  cnae: string;
  /** Typical ticket, in cents. */
  min: number;
  max: number;
  /** Suitable for card installments. */
  installments?: boolean;
  /** Charged in a foreign currency on cards. */
  foreign?: string;
};

// biome-ignore format: data table
export const MERCHANTS: MerchantDef[] = [
  { name: 'iFood', businessName: 'IFOOD.COM AGENCIA DE RESTAURANTES ONLINE S.A.', categoryId: '11020000', mcc: 5812, cnae: '7319-0/04', min: 2500, max: 14000 },
  { name: 'Rappi', businessName: 'RAPPI BRASIL INTERMEDIACAO DE NEGOCIOS LTDA', categoryId: '11020000', mcc: 5812, cnae: '7319-0/04', min: 2000, max: 12000 },
  { name: 'Uber', businessName: 'UBER DO BRASIL TECNOLOGIA LTDA.', categoryId: '19010000', mcc: 4121, cnae: '4923-0/01', min: 900, max: 6500 },
  { name: '99', businessName: '99 TECNOLOGIA LTDA', categoryId: '19010000', mcc: 4121, cnae: '4923-0/01', min: 800, max: 5500 },
  { name: 'Carrefour', businessName: 'CARREFOUR COMERCIO E INDUSTRIA LTDA', categoryId: '10000000', mcc: 5411, cnae: '4711-3/01', min: 3500, max: 65000 },
  { name: 'Pão de Açúcar', businessName: 'COMPANHIA BRASILEIRA DE DISTRIBUICAO', categoryId: '10000000', mcc: 5411, cnae: '4711-3/01', min: 2500, max: 42000 },
  { name: 'Assaí Atacadista', businessName: 'SENDAS DISTRIBUIDORA S/A', categoryId: '10000000', mcc: 5411, cnae: '4711-3/01', min: 8000, max: 90000 },
  { name: 'Drogasil', businessName: 'RAIA DROGASIL S/A', categoryId: '18020000', mcc: 5912, cnae: '4771-7/01', min: 1500, max: 25000 },
  { name: 'Drogaria São Paulo', businessName: 'DROGARIA SAO PAULO S.A.', categoryId: '18020000', mcc: 5912, cnae: '4771-7/01', min: 1200, max: 18000 },
  { name: 'Shell', businessName: 'RAIZEN COMBUSTIVEIS S.A.', categoryId: '19050001', mcc: 5541, cnae: '4731-8/00', min: 8000, max: 35000 },
  { name: 'Posto Ipiranga', businessName: 'IPIRANGA PRODUTOS DE PETROLEO S.A.', categoryId: '19050001', mcc: 5541, cnae: '4731-8/00', min: 7000, max: 32000 },
  { name: 'Netflix', businessName: 'NETFLIX ENTRETENIMENTO BRASIL LTDA', categoryId: '09020000', mcc: 4899, cnae: '5911-1/99', min: 2590, max: 5990 },
  { name: 'Spotify', businessName: 'SPOTIFY BRASIL SERVICOS DE MUSICA LTDA', categoryId: '09030000', mcc: 4899, cnae: '5920-1/00', min: 2190, max: 3490 },
  { name: 'Amazon', businessName: 'AMAZON SERVICOS DE VAREJO DO BRASIL LTDA', categoryId: '08010000', mcc: 5942, cnae: '4761-0/01', min: 3000, max: 60000, installments: true },
  { name: 'Mercado Livre', businessName: 'EBAZAR.COM.BR LTDA', categoryId: '08010000', mcc: 5999, cnae: '4789-0/99', min: 2500, max: 80000, installments: true },
  { name: 'Magazine Luiza', businessName: 'MAGAZINE LUIZA S/A', categoryId: '08020000', mcc: 5732, cnae: '4753-9/00', min: 15000, max: 450000, installments: true },
  { name: 'Renner', businessName: 'LOJAS RENNER S.A.', categoryId: '08040000', mcc: 5651, cnae: '4781-4/00', min: 6000, max: 70000, installments: true },
  { name: 'Smart Fit', businessName: 'SMARTFIT ESCOLA DE GINASTICA E DANCA S.A.', categoryId: '07030001', mcc: 7997, cnae: '9313-1/00', min: 9990, max: 15990 },
  { name: 'Outback Steakhouse', businessName: 'BLOOMIN BRANDS BRASIL LTDA', categoryId: '11010000', mcc: 5812, cnae: '5611-2/01', min: 9000, max: 38000 },
  { name: 'Starbucks', businessName: 'SOUTHROCK COMERCIO DE ALIMENTOS LTDA', categoryId: '11010000', mcc: 5814, cnae: '5611-2/03', min: 1500, max: 6000 },
  { name: 'Madero', businessName: 'RESTAURANTE MADERO LTDA', categoryId: '11010000', mcc: 5812, cnae: '5611-2/01', min: 5500, max: 24000 },
  { name: 'Petz', businessName: 'PET CENTER COMERCIO E PARTICIPACOES S.A.', categoryId: '08030000', mcc: 5995, cnae: '4789-0/04', min: 4000, max: 45000 },
  { name: 'Decathlon', businessName: 'DECATHLON COMERCIO DE ARTIGOS ESPORTIVOS LTDA', categoryId: '08070000', mcc: 5941, cnae: '4763-6/02', min: 5000, max: 90000, installments: true },
  { name: 'Sem Parar', businessName: 'SEM PARAR INSTITUICAO DE PAGAMENTO LTDA', categoryId: '19050003', mcc: 4784, cnae: '5221-4/00', min: 1500, max: 12000 },
  { name: 'Estapar', businessName: 'ALLPARK EMPREENDIMENTOS PARTICIPACOES E SERVICOS S.A.', categoryId: '19050002', mcc: 7523, cnae: '5223-1/00', min: 1200, max: 5500 },
  { name: 'LATAM Airlines', businessName: 'TAM LINHAS AEREAS S/A', categoryId: '12010000', mcc: 4511, cnae: '5111-1/00', min: 45000, max: 320000, installments: true },
  { name: 'Airbnb', businessName: 'AIRBNB PLATAFORMA DIGITAL LTDA', categoryId: '12020000', mcc: 7011, cnae: '7490-1/04', min: 35000, max: 250000, foreign: 'USD' },
  { name: 'Steam', businessName: 'VALVE CORPORATION', categoryId: '09010000', mcc: 5816, cnae: '6201-5/01', min: 1000, max: 12000, foreign: 'USD' },
  { name: 'Vivo', businessName: 'TELEFONICA BRASIL S.A.', categoryId: '07010002', mcc: 4814, cnae: '6120-5/01', min: 5000, max: 18000 },
  { name: 'Livraria da Travessa', businessName: 'LIVRARIA DA TRAVESSA LTDA', categoryId: '08060000', mcc: 5942, cnae: '4761-0/01', min: 3500, max: 22000 },
];

/** Bills paid by boleto from a bank account: [name, beneficiary, categoryId, min cents, max cents]. */
// biome-ignore format: data table
export const BOLETO_PAYEES = [
  ['Enel', 'ENEL DISTRIBUICAO SAO PAULO', '17020002', 9000, 42000],
  ['Sabesp', 'CIA SANEAMENTO BASICO EST SAO PAULO', '17020001', 5000, 19000],
  ['Comgás', 'COMPANHIA DE GAS DE SAO PAULO', '17020003', 3000, 14000],
  ['Condomínio Edifício Aurora', 'CONDOMINIO EDIFICIO AURORA', '17010000', 45000, 120000],
  ['Colégio Santa Clara', 'ASSOCIACAO EDUCACIONAL SANTA CLARA', '07020000', 90000, 260000],
  ['Amil Saúde', 'AMIL ASSISTENCIA MEDICA INTERNACIONAL S.A.', '20030000', 45000, 180000],
  ['Claro Residencial', 'CLARO S.A.', '07010001', 9900, 25000],
] as const;

function checkDigit(digits: number[], weights: number[]): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += digits[i]! * weights[i]!;
  const r = sum % 11;
  return r < 2 ? 0 : 11 - r;
}

/** A CPF with valid check digits. */
export function makeCpf(rng: Rng): string {
  const d = Array.from({ length: 9 }, () => rng.int(0, 9));
  d.push(checkDigit(d, [10, 9, 8, 7, 6, 5, 4, 3, 2]));
  d.push(checkDigit(d, [11, 10, 9, 8, 7, 6, 5, 4, 3, 2]));
  return d.join('');
}

/** A CNPJ (headquarters, /0001) with valid check digits. */
export function makeCnpj(rng: Rng): string {
  const d = [...Array.from({ length: 8 }, () => rng.int(0, 9)), 0, 0, 0, 1];
  d.push(checkDigit(d, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]));
  d.push(checkDigit(d, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]));
  return d.join('');
}

const merchantCnpjs = new Map<string, string>();
/** Stable synthetic CNPJ per merchant name. */
export function merchantCnpj(name: string): string {
  let v = merchantCnpjs.get(name);
  if (!v) {
    v = makeCnpj(new Rng(hashSeed('merchant', name)));
    merchantCnpjs.set(name, v);
  }
  return v;
}

export function personName(rng: Rng): string {
  return `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)} ${rng.pick(LAST_NAMES)}`;
}

/** Upper-case without accents, as bank statements print names. */
export function statementText(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase();
}

/**
 * Synthetic demo citizens for the embedded default. They do not exist: the numbers follow the real
 * structure (province, century/sex digit, birth year, serial) but belong to nobody.
 */
import type { IdentityLevel } from '../accounts/account.ts';
import type { CitizenRecord } from '../registry/population-registry.ts';

export interface DemoCitizen {
  record: CitizenRecord;
  identityLevel: IdentityLevel;
  phoneNumber: string;
  /** Published on purpose: these accounts exist only outside production. */
  password: string;
  /** A confirmed authenticator-app secret (base32), also published on purpose. */
  totpSecret?: string;
}

export const demoCitizens: readonly DemoCitizen[] = [
  {
    identityLevel: 2,
    phoneNumber: '+84912000001',
    password: 'demo-an-2026',
    totpSecret: 'KRUGS4ZANFZSAYJAMRSW233TMVRXEZLU',
    record: {
      personalId: '001089012345', // 001 Hà Nội · 0 = male, 20th century · born 1989
      familyName: 'Nguyễn',
      middleName: 'Văn',
      givenName: 'An',
      birthDate: '1989-03-14',
      sex: 'male',
      placeOfOrigin: 'Xã Đông Anh, Thành phố Hà Nội',
      permanentResidence: 'Phường Ba Đình, Thành phố Hà Nội',
      lifeStatus: 'alive',
      card: { number: '001089012345', issuedOn: '2021-06-01', expiresOn: '2029-03-14', status: 'valid' },
    },
  },
  {
    identityLevel: 1,
    phoneNumber: '+84912000002',
    password: 'demo-binh-2026',
    record: {
      personalId: '079195123456', // 079 Hồ Chí Minh · 1 = female, 20th century · born 1995
      familyName: 'Trần',
      middleName: 'Thị',
      givenName: 'Bình',
      birthDate: '1995-11-02',
      sex: 'female',
      placeOfOrigin: 'Xã Tân Phú, Tỉnh Đồng Nai',
      permanentResidence: 'Phường Bến Thành, Thành phố Hồ Chí Minh',
      lifeStatus: 'alive',
      card: { number: '079195123456', issuedOn: '2022-01-10', expiresOn: '2035-11-02', status: 'valid' },
    },
  },
  {
    identityLevel: 1,
    phoneNumber: '+84912000003',
    password: 'demo-cuong-2026',
    record: {
      personalId: '048202004321', // 048 Đà Nẵng · 2 = male, 21st century · born 2002
      familyName: 'Lê',
      middleName: 'Quốc',
      givenName: 'Cường',
      birthDate: '2002-07-21',
      sex: 'male',
      placeOfOrigin: 'Xã Hòa Vang, Thành phố Đà Nẵng',
      permanentResidence: 'Phường Hải Châu, Thành phố Đà Nẵng',
      lifeStatus: 'alive',
      card: { number: '048202004321', issuedOn: '2023-04-05', expiresOn: '2027-07-21', status: 'valid' },
    },
  },
];

/**
 * A registered citizen with no account yet, for trying enrollment on the embedded default (the banner prints
 * this data; the development outbox at /dev/sms shows the code).
 */
export const demoNewcomer: CitizenRecord = {
  personalId: '036197000001', // 036 Nam Định · 1 = female, 20th century · born 1997
  familyName: 'Phạm',
  middleName: 'Thị Hồng',
  givenName: 'Nhung',
  birthDate: '1997-05-09',
  sex: 'female',
  placeOfOrigin: 'Xã Hải Hậu, Tỉnh Nam Định',
  permanentResidence: 'Phường Trần Hưng Đạo, Tỉnh Nam Định',
  lifeStatus: 'alive',
  card: { number: '036197000001', issuedOn: '2021-05-09', expiresOn: '2037-05-09', status: 'valid' },
};

/** Every demo person the registry must know: the seeded accounts and the newcomer. */
export const demoRegistryRecords: readonly CitizenRecord[] = [...demoCitizens.map((citizen) => citizen.record), demoNewcomer];

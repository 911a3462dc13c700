/**
 * The 63 provinces and centrally-run cities whose codes open every 12-digit personal identification number
 * (Circular 07/2016/TT-BCA, annex "mã tỉnh, thành phố trực thuộc trung ương nơi công dân đăng ký khai sinh").
 * The codes are the administrative unit codes of Decision 124/2004/QĐ-TTg with a leading zero, hence the gaps.
 *
 * The 2025 merger into 34 provinces (Resolution 202/2025/QH15) did not renumber issued identity numbers, so
 * the synthetic population keeps the 63 historical codes and names.
 *
 * `weight` is the population in tens of thousands, rounded from the 2019 census: only so that Hà Nội and
 * Hồ Chí Minh appear more often than Bắc Kạn, not a statistic to rely on.
 */

export interface Province {
  code: string;
  /** Full name as written in addresses ("Tỉnh …" or "Thành phố …"), NFC. */
  name: string;
  weight: number;
}

const cities = new Set(['001', '031', '048', '079', '092']);

const table: ReadonlyArray<readonly [code: string, name: string, weight: number]> = [
  ['001', 'Hà Nội', 805],
  ['002', 'Hà Giang', 85],
  ['004', 'Cao Bằng', 53],
  ['006', 'Bắc Kạn', 31],
  ['008', 'Tuyên Quang', 78],
  ['010', 'Lào Cai', 73],
  ['011', 'Điện Biên', 60],
  ['012', 'Lai Châu', 46],
  ['014', 'Sơn La', 125],
  ['015', 'Yên Bái', 82],
  ['017', 'Hòa Bình', 85],
  ['019', 'Thái Nguyên', 129],
  ['020', 'Lạng Sơn', 78],
  ['022', 'Quảng Ninh', 132],
  ['024', 'Bắc Giang', 180],
  ['025', 'Phú Thọ', 146],
  ['026', 'Vĩnh Phúc', 115],
  ['027', 'Bắc Ninh', 137],
  ['030', 'Hải Dương', 189],
  ['031', 'Hải Phòng', 203],
  ['033', 'Hưng Yên', 125],
  ['034', 'Thái Bình', 186],
  ['035', 'Hà Nam', 85],
  ['036', 'Nam Định', 178],
  ['037', 'Ninh Bình', 98],
  ['038', 'Thanh Hóa', 364],
  ['040', 'Nghệ An', 333],
  ['042', 'Hà Tĩnh', 129],
  ['044', 'Quảng Bình', 90],
  ['045', 'Quảng Trị', 63],
  ['046', 'Thừa Thiên Huế', 113],
  ['048', 'Đà Nẵng', 113],
  ['049', 'Quảng Nam', 150],
  ['051', 'Quảng Ngãi', 123],
  ['052', 'Bình Định', 149],
  ['054', 'Phú Yên', 87],
  ['056', 'Khánh Hòa', 123],
  ['058', 'Ninh Thuận', 59],
  ['060', 'Bình Thuận', 123],
  ['062', 'Kon Tum', 54],
  ['064', 'Gia Lai', 151],
  ['066', 'Đắk Lắk', 187],
  ['067', 'Đắk Nông', 62],
  ['068', 'Lâm Đồng', 130],
  ['070', 'Bình Phước', 99],
  ['072', 'Tây Ninh', 117],
  ['074', 'Bình Dương', 243],
  ['075', 'Đồng Nai', 310],
  ['077', 'Bà Rịa - Vũng Tàu', 115],
  ['079', 'Hồ Chí Minh', 899],
  ['080', 'Long An', 169],
  ['082', 'Tiền Giang', 176],
  ['083', 'Bến Tre', 129],
  ['084', 'Trà Vinh', 101],
  ['086', 'Vĩnh Long', 102],
  ['087', 'Đồng Tháp', 160],
  ['089', 'An Giang', 191],
  ['091', 'Kiên Giang', 172],
  ['092', 'Cần Thơ', 124],
  ['093', 'Hậu Giang', 73],
  ['094', 'Sóc Trăng', 120],
  ['095', 'Bạc Liêu', 91],
  ['096', 'Cà Mau', 119],
];

export const provinces: readonly Province[] = table.map(([code, name, weight]) => ({
  code,
  name: `${cities.has(code) ? 'Thành phố' : 'Tỉnh'} ${name}`.normalize('NFC'),
  weight,
}));

export const provinceCodes: ReadonlySet<string> = new Set(provinces.map((province) => province.code));

/**
 * Commune and ward names that recur across the country. Addresses pair them with any province, so a
 * synthetic address is plausible but need not exist: it must never be mistaken for a real person's.
 */
export const localityNames: readonly string[] = [
  'An Bình', 'An Phú', 'Bình Minh', 'Đông Hòa', 'Đồng Tâm', 'Hòa Bình', 'Hòa Lợi', 'Hợp Thành', 'Hưng Thịnh',
  'Kim Long', 'Lộc An', 'Minh Khai', 'Nghĩa Hưng', 'Phú Hòa', 'Phú Lợi', 'Phú Mỹ', 'Phước Long', 'Quang Trung',
  'Tân An', 'Tân Hiệp', 'Tân Lập', 'Tân Phú', 'Tân Thành', 'Thái Hòa', 'Thạnh Phú', 'Thanh Xuân', 'Thống Nhất',
  'Trung Hòa', 'Vĩnh Hưng', 'Xuân Phú', 'Yên Bình', 'Đại Đồng', 'Long Hưng', 'Mỹ Thạnh', 'Bình Thạnh', 'Cẩm Phú',
  'Hiệp Hòa', 'Ngọc Lâm', 'Sơn Thủy', 'Vạn Xuân',
].map((name) => name.normalize('NFC'));

/** Kinds of the smallest administrative unit, as they open an address line. */
export const localityKinds = ['Xã', 'Phường', 'Thị trấn'] as const;

/**
 * Vietnamese name parts for the synthetic population, every string NFC.
 *
 * Family-name weights are rounded shares (per mille) of the commonly cited frequency estimates: Nguyễn about
 * 38 %, Trần 11 %, Lê 9.5 %, ... Middle names follow custom: "Thị" marks women, "Văn" mostly men, the others
 * are shared or lean one way. A tenth of the population carries a second middle name ("Thị Thanh").
 */
import type { Sex } from '../population-registry.ts';

export interface Weighted {
  value: string;
  weight: number;
}

const weighted = (entries: ReadonlyArray<readonly [string, number]>): readonly Weighted[] =>
  entries.map(([value, weight]) => ({ value: value.normalize('NFC'), weight }));

export const familyNames = weighted([
  ['Nguyễn', 380], ['Trần', 110], ['Lê', 95], ['Phạm', 70], ['Hoàng', 30], ['Huỳnh', 21], ['Phan', 45],
  ['Vũ', 22], ['Võ', 17], ['Đặng', 21], ['Bùi', 20], ['Đỗ', 14], ['Hồ', 13], ['Ngô', 13], ['Dương', 10],
  ['Lý', 5], ['Đinh', 6], ['Trương', 6], ['Đào', 5], ['Mai', 4], ['Lương', 4], ['Tạ', 3], ['Hà', 3],
  ['Cao', 3], ['Lâm', 3], ['Châu', 2], ['Tô', 2], ['Kiều', 1], ['Quách', 1], ['Thái', 1],
]);

export const middleNames: Readonly<Record<Sex, readonly Weighted[]>> = {
  male: weighted([
    ['Văn', 300], ['Hữu', 60], ['Đức', 80], ['Minh', 90], ['Quốc', 60], ['Thành', 40], ['Công', 40],
    ['Quang', 50], ['Xuân', 25], ['Đình', 40], ['Mạnh', 20], ['Trung', 20], ['Gia', 30], ['Hoàng', 35],
    ['Anh', 20], ['Tuấn', 15], ['Bảo', 20], ['Thanh', 25],
  ]),
  female: weighted([
    ['Thị', 420], ['Ngọc', 70], ['Thu', 40], ['Thanh', 40], ['Kim', 30], ['Phương', 25], ['Thùy', 30],
    ['Mỹ', 20], ['Hồng', 25], ['Bảo', 20], ['Diệu', 10], ['Minh', 25], ['Khánh', 15], ['Quỳnh', 15],
    ['Hoài', 10], ['Lan', 10],
  ]),
};

const uniform = (values: readonly string[]): readonly Weighted[] => weighted(values.map((value) => [value, 1] as const));

export const givenNames: Readonly<Record<Sex, readonly Weighted[]>> = {
  male: uniform([
    'An', 'Bình', 'Cường', 'Dũng', 'Duy', 'Đạt', 'Hải', 'Hiếu', 'Hoàng', 'Hùng', 'Huy', 'Khang', 'Khoa',
    'Kiên', 'Long', 'Lâm', 'Minh', 'Nam', 'Nghĩa', 'Phong', 'Phúc', 'Quân', 'Quang', 'Sơn', 'Tài', 'Thắng',
    'Thành', 'Tiến', 'Toàn', 'Trung', 'Tuấn', 'Tùng', 'Việt', 'Vinh', 'Vũ', 'Bảo', 'Đức', 'Hưng', 'Khải', 'Lộc',
  ]),
  female: uniform([
    'Anh', 'Chi', 'Dung', 'Duyên', 'Giang', 'Hà', 'Hạnh', 'Hằng', 'Hiền', 'Hoa', 'Hương', 'Huyền', 'Lan',
    'Linh', 'Loan', 'Mai', 'My', 'Nga', 'Ngân', 'Ngọc', 'Nhung', 'Oanh', 'Phương', 'Quỳnh', 'Tâm', 'Thảo',
    'Thủy', 'Trang', 'Trinh', 'Tuyết', 'Uyên', 'Vân', 'Yến', 'Xuân', 'Thư', 'Nhi', 'Vy', 'Hân', 'Thoa', 'Lý',
  ]),
};

/** Second middle names (after the first): shared by both sexes in practice. */
export const secondMiddleNames = uniform(['Thanh', 'Ngọc', 'Minh', 'Kim', 'Bảo', 'Hoài', 'Thu', 'Xuân', 'Gia', 'Phương']);

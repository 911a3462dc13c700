/**
 * The message catalogue: every string a citizen reads. Vietnamese is the default; English must have the same
 * keys (the type below makes a missing translation a compile error). `{name}` placeholders are filled by
 * `format` in the handler, never in templates.
 */

const vi = {
  app: {
    name: 'DinhDanh',
    tagline: 'Định danh điện tử quốc gia',
    switchLanguage: 'English',
    switchLanguageLocale: 'en',
    skipToContent: 'Chuyển đến nội dung chính',
  },
  login: {
    title: 'Đăng nhập',
    intro: 'Đăng nhập để tiếp tục đến {client}.',
    personalId: 'Số định danh cá nhân',
    personalIdHint: '12 chữ số trên thẻ căn cước của bạn',
    password: 'Mật khẩu',
    submit: 'Đăng nhập',
    cancel: 'Hủy và quay lại {client}',
    failed: 'Số định danh cá nhân hoặc mật khẩu không đúng.',
    personalIdFormat: 'Số định danh cá nhân gồm đúng 12 chữ số.',
    passwordRequired: 'Vui lòng nhập mật khẩu.',
    errorSummary: 'Có lỗi cần sửa',
  },
  consent: {
    title: 'Chia sẻ thông tin',
    intro: '{client} đề nghị nhận các thông tin sau về bạn:',
    signedInAs: 'Bạn đang đăng nhập với số định danh {personalId}.',
    allow: 'Đồng ý chia sẻ',
    deny: 'Không đồng ý',
    scopes: {
      openid: 'Mã định danh của bạn tại {client} (không phải số định danh cá nhân)',
      profile: 'Họ tên, ngày sinh và giới tính',
      phone: 'Số điện thoại di động đã xác minh',
      offline_access: 'Duy trì truy cập khi bạn không trực tuyến',
    },
  },
  logout: {
    title: 'Đăng xuất',
    question: 'Bạn có muốn đăng xuất khỏi DinhDanh trên thiết bị này không?',
    confirm: 'Đăng xuất',
    stay: 'Ở lại',
    doneTitle: 'Đã đăng xuất',
    done: 'Bạn đã đăng xuất khỏi DinhDanh.',
    doneClient: 'Bạn đã đăng xuất khỏi DinhDanh và {client}.',
  },
  errors: {
    title: 'Không thể tiếp tục',
    generic: 'Đã có lỗi xảy ra. Không có gì bị thay đổi. Vui lòng thử lại sau ít phút.',
    unavailable: 'Hệ thống tạm thời gián đoạn. Không có gì được lưu. Vui lòng quay lại dịch vụ và bắt đầu lại sau ít phút.',
    sessionExpired: 'Phiên đăng nhập đã hết hạn hoặc đã được sử dụng. Vui lòng quay lại dịch vụ và bắt đầu lại.',
    badRequest: 'Yêu cầu không hợp lệ. Không có gì bị thay đổi. Vui lòng quay lại dịch vụ và bắt đầu lại.',
    tooLarge: 'Dữ liệu gửi lên quá lớn. Không có gì bị thay đổi.',
    notFound: 'Không tìm thấy trang này.',
    csrf: 'Biểu mẫu đã hết hạn hoặc không được gửi từ trang này. Vui lòng thử lại.',
    oauth: 'Dịch vụ đã gửi một yêu cầu đăng nhập không hợp lệ. Vui lòng báo cho dịch vụ đó.',
    technicalDetails: 'Chi tiết kỹ thuật (dành cho bộ phận hỗ trợ)',
    reference: 'Mã tham chiếu',
  },
  demo: {
    title: 'Cổng dịch vụ công mẫu',
    intro: 'Trang này chỉ có trong chế độ phát triển: nó đóng vai một cổng dịch vụ công dùng DinhDanh để đăng nhập.',
    signIn: 'Đăng nhập bằng DinhDanh',
    signedIn: 'Đăng nhập thành công',
    claims: 'Thông tin nhận được',
    signOut: 'Đăng xuất',
  },
};

export type Messages = typeof vi;

const en: Messages = {
  app: {
    name: 'DinhDanh',
    tagline: 'National electronic identification',
    switchLanguage: 'Tiếng Việt',
    switchLanguageLocale: 'vi',
    skipToContent: 'Skip to main content',
  },
  login: {
    title: 'Sign in',
    intro: 'Sign in to continue to {client}.',
    personalId: 'Personal identification number',
    personalIdHint: 'The 12 digits on your citizen ID card',
    password: 'Password',
    submit: 'Sign in',
    cancel: 'Cancel and return to {client}',
    failed: 'The personal identification number or the password is not correct.',
    personalIdFormat: 'The personal identification number has exactly 12 digits.',
    passwordRequired: 'Please enter your password.',
    errorSummary: 'There is a problem',
  },
  consent: {
    title: 'Share your information',
    intro: '{client} asks to receive the following information about you:',
    signedInAs: 'You are signed in with personal identification number {personalId}.',
    allow: 'Share',
    deny: 'Do not share',
    scopes: {
      openid: 'Your identifier at {client} (not your personal identification number)',
      profile: 'Your name, date of birth and sex',
      phone: 'Your verified mobile number',
      offline_access: 'Keep access while you are not online',
    },
  },
  logout: {
    title: 'Sign out',
    question: 'Do you want to sign out of DinhDanh on this device?',
    confirm: 'Sign out',
    stay: 'Stay signed in',
    doneTitle: 'Signed out',
    done: 'You have signed out of DinhDanh.',
    doneClient: 'You have signed out of DinhDanh and {client}.',
  },
  errors: {
    title: 'We cannot continue',
    generic: 'Something went wrong. Nothing was changed. Please try again in a few minutes.',
    unavailable: 'The service is briefly interrupted. Nothing was saved. Please go back to the service and start again in a few minutes.',
    sessionExpired: 'Your sign-in has expired or was already used. Please go back to the service and start again.',
    badRequest: 'The request was not valid. Nothing was changed. Please go back to the service and start again.',
    tooLarge: 'The submitted data is too large. Nothing was changed.',
    notFound: 'This page does not exist.',
    csrf: 'The form has expired or was not sent from this page. Please try again.',
    oauth: 'The service sent an invalid sign-in request. Please tell that service.',
    technicalDetails: 'Technical details (for support staff)',
    reference: 'Reference',
  },
  demo: {
    title: 'Demo public-service portal',
    intro: 'This page exists only in development mode: it plays a public-service portal that signs citizens in with DinhDanh.',
    signIn: 'Sign in with DinhDanh',
    signedIn: 'Signed in',
    claims: 'What the portal received',
    signOut: 'Sign out',
  },
};

export const locales = ['vi', 'en'] as const;
export type Locale = (typeof locales)[number];

export const catalogue: Record<Locale, Messages> = { vi, en };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** Fills `{name}` placeholders. Values are plain text; templates escape them. */
export function format(message: string, values: Record<string, string>): string {
  return message.replace(/\{(\w+)\}/g, (placeholder, key: string) => values[key] ?? placeholder);
}

/**
 * Passwords that appear at the top of every breach list. A short list catches the guesses an
 * attacker tries first without shipping a breach corpus.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  'password', 'password1', 'password12', 'password123', 'password1234', 'passw0rd', 'p@ssw0rd', 'p@ssword',
  '12345678', '123456789', '1234567890', '0987654321', '87654321', '11111111', '00000000', '12341234',
  '123123123', '11223344', '1q2w3e4r', '1q2w3e4r5t', 'qwertyui', 'qwerty123', 'qwertyuiop', 'asdfghjk',
  'asdfghjkl', 'zxcvbnm1', 'iloveyou', 'iloveyou1', 'sunshine', 'princess', 'football', 'baseball',
  'welcome1', 'welcome123', 'letmein1', 'trustno1', 'superman', 'starwars', 'whatever', 'dragon123',
  'monkey123', 'abc12345', 'abcd1234', 'admin123', 'administrator', 'changeme', 'computer', 'internet',
  'michael1', 'jennifer', 'charlie1', 'shadow12', 'master123', 'mustang1', 'access14', 'freedom1',
  'india123', 'india@123', 'bharat123', 'mumbai123', 'delhi123', 'cricket1', 'sachin10', 'nifty500',
  'sensex123', 'trading1', 'trader123', 'zerodha1', 'money123', 'stocks123', 'qazwsxedc', 'aa123456',
]);

export function isCommonPassword(pw: string): boolean {
  return COMMON_PASSWORDS.has(pw.toLowerCase());
}

// PM2's `log_date_format` is a dayjs / moment format. This is the subset of its tokens a log
// prefix uses, compiled once per spec; any other letter outside [brackets] is refused.

const TOKENS = ['YYYY', 'SSS', 'YY', 'MM', 'DD', 'HH', 'hh', 'mm', 'ss', 'ZZ', 'M', 'D', 'H', 'h', 'm', 's', 'Z', 'A', 'a', 'X', 'x'] as const;
type Token = (typeof TOKENS)[number];
type Part = { readonly literal: string } | { readonly token: Token };

/** PM2's format for `time: true` without `log_date_format`. */
export const PM2_TIME_FORMAT = 'YYYY-MM-DD[T]HH:mm:ss';

/** Why `format` cannot be used (a letter that is no supported token), or null. */
export function dateFormatProblem(format: string): string | null {
  try {
    parse(format);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Formats a date in local time as dayjs would for the supported tokens. @throws Error on an unsupported token. */
export function compileDateFormat(format: string): (date: Date) => string {
  const parts = parse(format);
  return (date) => parts.map((part) => ('literal' in part ? part.literal : render(part.token, date))).join('');
}

function parse(format: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < format.length) {
    if (format[i] === '[') {
      const end = format.indexOf(']', i);
      if (end === -1) throw new Error(`has an unclosed "[" at ${i}`);
      parts.push({ literal: format.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const token = TOKENS.find((t) => format.startsWith(t, i));
    if (token) {
      parts.push({ token });
      i += token.length;
      continue;
    }
    if (/[A-Za-z]/.test(format[i])) {
      throw new Error(`uses "${format[i]}", which is not one of the supported tokens (${TOKENS.join(' ')}; text in [brackets] is kept as it is)`);
    }
    parts.push({ literal: format[i] });
    i += 1;
  }
  return parts;
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function offset(date: Date, separator: string): string {
  const minutes = -date.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}${separator}${pad(abs % 60)}`;
}

function render(token: Token, date: Date): string {
  const hours12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
  switch (token) {
    case 'YYYY': return pad(date.getFullYear(), 4);
    case 'YY': return pad(date.getFullYear() % 100);
    case 'MM': return pad(date.getMonth() + 1);
    case 'M': return String(date.getMonth() + 1);
    case 'DD': return pad(date.getDate());
    case 'D': return String(date.getDate());
    case 'HH': return pad(date.getHours());
    case 'H': return String(date.getHours());
    case 'hh': return pad(hours12);
    case 'h': return String(hours12);
    case 'mm': return pad(date.getMinutes());
    case 'm': return String(date.getMinutes());
    case 'ss': return pad(date.getSeconds());
    case 's': return String(date.getSeconds());
    case 'SSS': return pad(date.getMilliseconds(), 3);
    case 'Z': return offset(date, ':');
    case 'ZZ': return offset(date, '');
    case 'A': return date.getHours() < 12 ? 'AM' : 'PM';
    case 'a': return date.getHours() < 12 ? 'am' : 'pm';
    case 'X': return String(Math.floor(date.getTime() / 1000));
    case 'x': return String(date.getTime());
  }
}

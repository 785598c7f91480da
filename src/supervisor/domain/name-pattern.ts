/**
 * Shell-style name patterns: `*` any run of characters, `?` exactly one; every
 * other character literal. `web-*` matches web-1 and web-12, not web.
 */
export function matchesPattern(pattern: string, name: string): boolean {
  return compile(pattern).test(name);
}

const cache = new Map<string, RegExp>();

function compile(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    re = new RegExp(`^${body}$`, 's');
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

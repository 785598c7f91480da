/**
 * PM2 `ignore_watch` patterns as a predicate over absolute paths (chokidar 5 takes no globs).
 * A pattern without "/" (`node_modules`, `*.log`, `.git`) matches any path component under
 * `root`; one with "/" (`client/img`, `logs/**`) matches the path relative to `root` (or an
 * absolute path), or any directory above it, so a directory's contents go with it.
 * `**` is any text, `*` any text within a component, `?` one character; `\` escapes.
 */
export function ignoreMatcher(patterns: readonly string[], root: string): (path: string) => boolean {
  const base = root.endsWith('/') ? root.slice(0, -1) : root;
  const anyComponent: RegExp[] = [];
  const relative: RegExp[] = [];
  const absolute: RegExp[] = [];
  for (const raw of patterns) {
    const pattern = raw.replace(/^\.\//, '').replace(/\/+$/, '');
    if (pattern === '') continue;
    if (pattern.startsWith('/')) absolute.push(globToRegExp(pattern));
    else if (pattern.includes('/')) relative.push(globToRegExp(pattern));
    else anyComponent.push(globToRegExp(pattern));
  }
  return (path: string) => {
    if (absolute.some((re) => prefixes(path).some((p) => re.test(p)))) return true;
    if (path !== base && !path.startsWith(`${base}/`)) return false;
    const rel = path.slice(base.length + 1);
    if (rel === '') return false;
    const parts = rel.split('/');
    if (anyComponent.some((re) => parts.some((part) => re.test(part)))) return true;
    return relative.some((re) => prefixes(rel).some((p) => re.test(p)));
  };
}

/** `a/b/c` -> `a`, `a/b`, `a/b/c`. */
function prefixes(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/')).filter((p) => p !== '');
}

export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\' && i + 1 < glob.length) out += escape(glob[++i]);
    else if (c === '*' && glob[i + 1] === '*') {
      i++;
      // `**/` also matches no directory at all.
      if (glob[i + 1] === '/') {
        i++;
        out += '(?:.*/)?';
      } else out += '.*';
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += escape(c);
  }
  return new RegExp(`^${out}$`);
}

function escape(c: string): string {
  return /[.+^${}()|[\]\\*?]/.test(c) ? `\\${c}` : c;
}

import { readFileSync } from 'node:fs';
import { packageVersion } from './package-version.js';

describe('packageVersion', () => {
  it("reads the package's own package.json, two levels above this directory", () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

    expect(packageVersion()).toBe(version);
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

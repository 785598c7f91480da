// Jest reads `testTimeout` only from the top-level config, never from a project
// (jest-circus takes it from the global config), so the integration project sets
// its own here: real processes on a loaded machine need far more than 5 s.
import { jest } from '@jest/globals';

jest.setTimeout(60_000);

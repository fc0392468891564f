import { afterEach, describe, expect, it, vi } from 'vitest';
import { findChromium, requireInCI } from './requirements.js';

const missing = { missing: 'no widget', install: '`apt-get install widget`' };
const ci = process.env.CI;
afterEach(() => {
  if (ci === undefined) delete process.env.CI;
  else process.env.CI = ci;
});

describe('requirements', () => {
  it('fails a CI run whose requirement is missing, naming it and its install', () => {
    process.env.CI = 'true';
    expect(() => requireInCI(missing, 'the widget tests are')).toThrow('the widget tests are run in CI, which needs it: no widget; install: `apt-get install widget`');
    expect(() => requireInCI({ found: '/usr/bin/widget' }, 'the widget tests are')).not.toThrow();
  });

  it('lets a developer run without it', () => {
    delete process.env.CI;
    expect(() => requireInCI(missing, 'the widget tests are')).not.toThrow();
  });

  it('looks for Chromium at CHROMIUM_PATH first', async () => {
    process.env.CHROMIUM_PATH = process.execPath;
    try {
      vi.resetModules();
      const fresh = (await import('./requirements.js')) as typeof import('./requirements.js');
      expect(fresh.findChromium()).toEqual({ found: process.execPath });
    } finally {
      delete process.env.CHROMIUM_PATH;
    }
    expect(findChromium()).not.toEqual({ found: process.execPath });
  });
});

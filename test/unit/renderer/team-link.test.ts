import { describe, expect, it } from 'vitest';
import { annotatorLinkUrl, copyWithFallback, linkReach } from '../../../src/renderer/team/team-link';

describe('annotator link URL', () => {
  it('joins the page origin and the openPath the server returned', () => {
    expect(annotatorLinkUrl('http://127.0.0.1:4310', '/?token=abc_-1')).toBe(
      'http://127.0.0.1:4310/?token=abc_-1',
    );
    expect(annotatorLinkUrl('http://192.168.1.20:4310/', '/?token=t')).toBe(
      'http://192.168.1.20:4310/?token=t',
    );
    expect(annotatorLinkUrl('https://lab.example:8443', '?token=t')).toBe(
      'https://lab.example:8443/?token=t',
    );
  });
});

describe('where a link can be opened from', () => {
  it('makes no link in the desktop window (no server) or on a non-http origin', () => {
    expect(linkReach('ipc', 'http://127.0.0.1:4310')).toEqual({ kind: 'desktop' });
    expect(linkReach('http', 'file://')).toEqual({ kind: 'desktop' });
    expect(linkReach('http', 'null')).toEqual({ kind: 'desktop' });
  });

  it('calls loopback origins local-only and others network', () => {
    expect(linkReach('http', 'http://127.0.0.1:4310')).toEqual({ kind: 'loopback', host: '127.0.0.1:4310' });
    expect(linkReach('http', 'http://localhost:8080')).toEqual({ kind: 'loopback', host: 'localhost:8080' });
    expect(linkReach('http', 'http://[::1]:4310')).toEqual({ kind: 'loopback', host: '[::1]:4310' });
    expect(linkReach('http', 'http://127.8.9.10:1')).toMatchObject({ kind: 'loopback' });
    expect(linkReach('http', 'http://192.168.1.20:4310')).toEqual({
      kind: 'network',
      host: '192.168.1.20:4310',
    });
    expect(linkReach('http', 'http://127.0.0.1.example.org:4310')).toMatchObject({ kind: 'network' });
  });
});

describe('copying a link', () => {
  it('writes to the clipboard when it can, without selecting', async () => {
    const written: string[] = [];
    let selected = 0;
    const outcome = await copyWithFallback('http://h/?token=t', {
      writeClipboard: async (text) => {
        written.push(text);
      },
      selectText: () => selected++,
    });
    expect(outcome).toBe('copied');
    expect(written).toEqual(['http://h/?token=t']);
    expect(selected).toBe(0);
  });

  it('selects the text where the Clipboard API is missing or refuses', async () => {
    let selected = 0;
    const selectText = (): void => {
      selected++;
    };
    expect(await copyWithFallback('x', { writeClipboard: null, selectText })).toBe('selected');
    const refusing = async (): Promise<void> => {
      throw new DOMException('Write permission denied.', 'NotAllowedError');
    };
    expect(await copyWithFallback('x', { writeClipboard: refusing, selectText })).toBe('selected');
    expect(selected).toBe(2);
  });
});

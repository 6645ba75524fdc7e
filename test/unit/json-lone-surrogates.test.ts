import { describe, expect, it } from 'vitest';
import { readJsonBody } from '../../server/json-body';

const read = (text: string) => readJsonBody(new TextEncoder().encode(text));

describe('a JSON body with an unpaired UTF-16 surrogate escape', () => {
  it('is refused, naming the string that holds it', () => {
    const body = '{"data":{"items":[{"name":"ok"},{"name":"half \\ud83d of an emoji"}]}}';
    expect(read(body)).toEqual({
      ok: false,
      message:
        'data.items.1.name holds an unpaired UTF-16 surrogate escape (\\uD800 to \\uDFFF), which is not Unicode text ' +
        'and cannot be stored; send the character itself, or both halves of its surrogate pair',
    });
    expect(read('{"id":"\\uDC00"}')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^id holds an unpaired/),
    });
    expect(read('{"data":{"a\\ud800":1}}')).toMatchObject({ ok: false, message: expect.stringMatching(/^data holds/) });
  });

  it('a whole pair, escaped or raw, and a backslash before "ud800" are text', () => {
    expect(read('{"name":"\\ud83d\\ude00 Zoë 😀","note":"C:\\\\ud800"}')).toEqual({
      ok: true,
      value: { name: '😀 Zoë 😀', note: 'C:\\ud800' },
    });
  });

  it('a body nested 100000 deep is answered, not a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}"\\ud800"${']'.repeat(100_000)}`;
    expect(read(deep)).toMatchObject({ ok: false, message: expect.stringMatching(/^0\.0\..*….*0 holds an unpaired/) });
  });
});

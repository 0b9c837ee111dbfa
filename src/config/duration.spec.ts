import { parseGoDuration } from '../schedule/duration';
import { parseDuration } from './duration';

describe('config durations: the one duration grammar', () => {
  it.each(['30s', '1m', '500ms', '1h30m', '1.5h', '.5s', '1.s', '2h45m30s', '1500ms'])(
    'reads %s exactly as @every does',
    (text) => {
      expect(parseDuration(text)).toBe(parseGoDuration(text));
    },
  );

  it('keeps the config extras: a bare number is seconds, blanks around are ignored', () => {
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration(' 2s ')).toBe(2_000);
  });

  it('rounds to whole milliseconds', () => {
    expect(parseDuration('1500us')).toBe(2);
    expect(parseGoDuration('1500us')).toBe(1.5);
  });

  it.each(['banana', '', '10x', 's', '1m banana', '-1s', '1 m'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });
});

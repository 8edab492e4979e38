import { Readable } from 'node:stream';
import { decString } from '@tollgate/kernel';
import { collectAsync, csvChunksFromLines, CsvRowError, parseBarsCsv, parseQuotesCsv } from './csv-source';

const BARS = `timestamp,symbol,open,high,low,close,volume
2024-07-03T09:31:00-04:00,AAPL,100.00,100.50,99.90,100.20,1200
2024-07-03T13:32:00Z,MSFT,400.1,401,399.5,400.75,300
`;

describe('CSV sources', () => {
  it('reads bars with zoned timestamps into decimals', async () => {
    const bars = await collectAsync(parseBarsCsv(BARS));
    expect(bars).toHaveLength(2);
    expect(bars[0]!.timestamp.toISOString()).toBe('2024-07-03T13:31:00.000Z');
    expect(bars[0]!.symbol).toBe('AAPL');
    expect(decString(bars[0]!.high)).toBe('100.5');
    expect(decString(bars[1]!.volume)).toBe('300');
  });

  it('reads quotes, columns in any order', async () => {
    const text = 'symbol,timestamp,bid,ask,ask_size,bid_size\nAAPL,2024-07-03T13:31:00.250Z,100.01,100.03,500,200\n';
    const [quote] = await collectAsync(parseQuotesCsv(text));
    expect(quote).toBeDefined();
    expect(decString(quote!.bid)).toBe('100.01');
    expect(decString(quote!.bidSize)).toBe('200');
    expect(decString(quote!.askSize)).toBe('500');
    expect(quote!.timestamp.getUTCMilliseconds()).toBe(250);
  });

  it('reads a file stream chunk by chunk, even when chunks split a line', async () => {
    const chunks = [BARS.slice(0, 37), BARS.slice(37, 90), BARS.slice(90)].map((chunk) => Buffer.from(chunk));
    const bars = await collectAsync(parseBarsCsv(Readable.from(chunks)));
    expect(bars.map((bar) => bar.symbol)).toEqual(['AAPL', 'MSFT']);
  });

  it('reads lines without newlines through csvChunksFromLines', async () => {
    const lines = BARS.trim().split('\n');
    const bars = await collectAsync(parseBarsCsv(csvChunksFromLines(lines)));
    expect(bars).toHaveLength(2);
  });

  it('names the line and every bad field of a malformed row', async () => {
    const text = `${BARS}2024-07-03 09:33,AAPL,abc,100.5,99.9,1e3,10\n`;
    const error = await collectAsync(parseBarsCsv(text, { source: 'bars.csv' })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CsvRowError);
    expect((error as CsvRowError).line).toBe(4);
    const message = (error as Error).message;
    expect(message).toMatch(/^bars\.csv line 4 was invalid: /);
    expect(message).toMatch(/timestamp: must be an ISO-8601 timestamp with zone/);
    expect(message).toMatch(/open: must be a decimal/);
    expect(message).toMatch(/close: must be a decimal/);
    expect(message).not.toMatch(/high:/);
  });

  it('refuses a header with a missing or unexpected column', async () => {
    await expect(collectAsync(parseBarsCsv('timestamp,symbol,open,high,low,close\n'))).rejects.toThrow(/line 1 .*missing column volume/);
    await expect(collectAsync(parseQuotesCsv('timestamp,symbol,bid,ask,bidsize,ask_size\n'))).rejects.toThrow(/missing column bid_size; header: unexpected column bidsize/);
  });

  it('refuses a row with the wrong number of fields, with its line', async () => {
    const error = await collectAsync(parseBarsCsv(`${BARS}2024-07-03T13:33:00Z,AAPL,1,2\n`)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CsvRowError);
    expect((error as CsvRowError).line).toBe(4);
  });

  it('refuses an empty input', async () => {
    await expect(collectAsync(parseBarsCsv(''))).rejects.toThrow(/input was empty/);
  });

  it('passes rows that are well formed but implausible on to the tick validator', async () => {
    const text = 'timestamp,symbol,open,high,low,close,volume\n2024-07-03T13:31:00Z,AAPL,-1,0,5,2,10\n';
    const [bar] = await collectAsync(parseBarsCsv(text));
    expect(decString(bar!.open)).toBe('-1');
  });
});

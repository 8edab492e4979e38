import { Readable } from 'node:stream';
import fc from 'fast-check';
import { isoTimestamp, symbol as symbolSchema } from '@tollgate/contracts';
import { decString } from '@tollgate/kernel';
import { collectAsync, csvChunksFromLines, CsvRowError, isCsvSymbol, isCsvTimestamp, parseBarsCsv, parseQuotesCsv, readQuoteRows } from './csv-source';

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

  describe('the fast row checks', () => {
    const QUOTES = 'timestamp,symbol,bid,ask,bid_size,ask_size\n';
    const rowsOf = async (text: string | Buffer[]) => (await collectAsync(readQuoteRows(typeof text === 'string' ? text : Readable.from(text), { source: 'quotes.csv' }))).flat();
    const failure = (text: string) => rowsOf(text).then(() => undefined, (caught: unknown) => caught as CsvRowError);

    it('name the file, the line and the field of a bad quote, and yield the rows before it', async () => {
      const text = `${QUOTES}2024-07-03T13:31:00Z,AAPL,100.01,100.03,5,5\n2024-07-03T13:31:01Z,aapl,100.01,1.2.3,5,-\n`;
      const seen: number[] = [];
      const error = await (async () => {
        for await (const rows of readQuoteRows(text, { source: 'quotes.csv' })) seen.push(...rows.map((row) => row.line));
      })().then(() => undefined, (caught: unknown) => caught);
      expect(seen).toEqual([2]);
      expect(error).toBeInstanceOf(CsvRowError);
      const message = (error as Error).message;
      expect(message).toMatch(/^quotes\.csv line 3 was invalid: /);
      expect(message).toMatch(/symbol: must be an upper-case ticker like "AAPL", got "aapl"/);
      expect(message).toMatch(/ask: must be a decimal like "12.34", got "1.2.3"/);
      expect(message).toMatch(/ask_size: must be a decimal like "12.34", got "-"/);
      expect(message).not.toMatch(/bid:|timestamp:/);
    });

    it('refuse an unterminated or malformed quote and a short row, with the line', async () => {
      expect((await failure(`${QUOTES}2024-07-03T13:31:00Z,"AAPL,1,2,3,4\n`))?.line).toBe(2);
      expect((await failure(`${QUOTES}2024-07-03T13:31:00Z,"AA"PL,1,2,3,4\n`))?.message).toMatch(/line 2 .*quote/i);
      expect((await failure(`${QUOTES}\n2024-07-03T13:31:00Z,AAPL,1,2\n`))?.message).toMatch(/line 3 .*expected 6 fields .*got 4/);
    });

    it('count lines across blank lines, quoted line breaks, CRLF and a byte-order mark', async () => {
      const text = `\uFEFF${QUOTES}\n2024-07-03T13:31:00Z,"AAPL",100.01,100.03,5,5\n`.replace(/\n/g, '\r\n');
      expect((await rowsOf(text)).map((row) => [row.line, row.symbol])).toEqual([[3, 'AAPL']]);
      const error = await failure(`${QUOTES}2024-07-03T13:31:00Z,AAPL,"100.01",100.03,5,5\n2024-07-03T13:31:01Z,"MSFT\n",1,2,3,4\nx,AAPL,1,2,3,4\n`);
      expect(error?.line).toBe(5);
    });

    it('accept a field with whitespace around it, as csv-parse did with trim, and keep the rest as written', async () => {
      const [row] = await rowsOf(`${QUOTES} 2024-07-03T13:31:00Z , AAPL ,100.010, 100.03 ,0,5\n`);
      expect(row).toMatchObject({ symbol: 'AAPL', bid: '100.010', ask: '100.03', bidSize: '0' });
      expect(row!.timestamp.toISOString()).toBe('2024-07-03T13:31:00.000Z');
    });

    it('read the same rows however the input is cut into chunks', async () => {
      const text = `${QUOTES}2024-07-03T13:31:00Z,AAPL,100.01,100.03,5,5\r\n\n2024-07-03T13:31:00.5+02:00,"MS,FT",1,2,3,4\n2024-07-03T13:31:01Z,SPY,"4""",2,3,4`;
      const whole = await rowsOf(text).catch((caught: unknown) => caught);
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 8 }), async (cuts) => {
          const points = [0, ...cuts.sort((a, b) => a - b), text.length];
          const chunks = points.slice(1).map((end, index) => Buffer.from(text.slice(points[index], end)));
          expect(await rowsOf(chunks).catch((caught: unknown) => caught)).toEqual(whole);
        }),
        { numRuns: 60 },
      );
    });

    it('accept exactly the timestamps the isoTimestamp schema accepts', () => {
      const digits = (length: number) => fc.array(fc.constantFrom(...'0123456789'), { minLength: length, maxLength: length }).map((chars) => chars.join(''));
      const nearTimestamp = fc
        .tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), fc.option(digits(3)), fc.constantFrom('Z', '+02:00', '-0400', '+24:00', '', 'z', '+05:30'))
        .map(([year, month, day, hour, minute, second, millis, zone]) => `${year}-${month}-${day}T${hour}:${minute}:${second}${millis ? `.${millis}` : ''}${zone}`);
      fc.assert(
        fc.property(fc.oneof(nearTimestamp, fc.string(), fc.date({ noInvalidDate: true }).map((date) => date.toISOString())), (value) => {
          expect(isCsvTimestamp(value)).toBe(isoTimestamp.safeParse(value).success);
        }),
        { numRuns: 2_000 },
      );
    });

    it('accept exactly the tickers the symbol schema accepts', () => {
      const tickerish = fc.string({ unit: fc.constantFrom(...'ABZaz09.-_ '), maxLength: 12 });
      fc.assert(
        fc.property(fc.oneof(tickerish, fc.string()), (value) => {
          expect(isCsvSymbol(value)).toBe(symbolSchema.safeParse(value).success);
        }),
        { numRuns: 2_000 },
      );
    });
  });
});

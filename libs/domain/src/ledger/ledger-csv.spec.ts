import { ValidationError } from '@tollgate/kernel';
import { parseFillsCsv, parseMarksCsv } from './ledger-csv';

describe('ledger CSV files', () => {
  it('reads fills with a header, in any column order, ignoring blank lines and extra columns', () => {
    const fills = parseFillsCsv('symbol,timestamp,side,quantity,price,fee,note\n\nAAPL,2026-01-05T15:00:00Z,BUY,10,190.5,0.35,first\n');
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ symbol: 'AAPL', side: 'buy', at: '2026-01-05T15:00:00Z' });
    expect(fills[0]!.price.toFixed()).toBe('190.5');
  });

  it('reads a file without a header in the documented column order', () => {
    const marks = parseMarksCsv('2026-01-05T21:00:00-05:00,spy,500.25\n');
    expect(marks.map((mark) => [mark.symbol, mark.price.toFixed()])).toEqual([['SPY', '500.25']]);
  });

  it('refuses bad rows, naming every line and what was wrong with it', () => {
    const text = [
      'timestamp,symbol,side,quantity,price,fee',
      '2026-01-05T15:00:00Z,AAPL,buy,10,190.5,0.35',
      'yesterday,AAPL,buy,10,190.5,0.35',
      '2026-01-05T15:00:00Z,AAPL,hold,-3,abc,0',
      '2026-01-05T15:00:00Z,AAPL,sell,1,1',
      '2026-01-05T15:00:00Z,AAPL,sell,1,1,-0.1',
    ].join('\n');
    const read = () => parseFillsCsv(text, 'fills.csv');
    expect(read).toThrow(ValidationError);
    expect(read).toThrow(/^fills\.csv was invalid: line 5: expected 6 columns, found 5$/);
    const withoutShortRow = text.replace('2026-01-05T15:00:00Z,AAPL,sell,1,1\n', '');
    expect(() => parseFillsCsv(withoutShortRow, 'fills.csv')).toThrow(
      'line 3: timestamp "yesterday" is not an ISO-8601 timestamp with zone (or a date); line 4: side "hold" must be buy or sell, quantity -3 must be positive, price "abc" is not a decimal number; line 5: fee -0.1 must not be negative',
    );
  });

  it('refuses a header that does not name the columns', () => {
    expect(() => parseMarksCsv('time,ticker,px\n')).toThrow('line 1: the header must name the columns timestamp,symbol,price');
  });

  it('refuses a timestamp without a zone', () => {
    expect(() => parseMarksCsv('timestamp,symbol,price\n2026-01-05T15:00:00,AAPL,1\n')).toThrow('line 2: timestamp');
  });

  it('reads an empty file as no rows', () => {
    expect(parseFillsCsv('')).toEqual([]);
    expect(parseFillsCsv('timestamp,symbol,side,quantity,price,fee\n')).toEqual([]);
  });
});

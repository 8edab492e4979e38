import { analyseBreaks, renderBreaksReport } from './breaks.command';
import { CommandFailure } from '../output';

const NILE = [
  1120, 1160, 963, 1210, 1160, 1160, 813, 1230, 1370, 1140, 995, 935, 1110, 994, 1020, 960, 1180, 799, 958, 1140, 1100, 1210, 1150, 1250, 1260, 1220, 1030,
  1100, 774, 840, 874, 694, 940, 833, 701, 916, 692, 1020, 1050, 969, 831, 726, 456, 824, 702, 1120, 1100, 832, 764, 821, 768, 845, 864, 862, 698, 845, 744,
  796, 1040, 759, 781, 865, 845, 944, 984, 897, 822, 1010, 771, 676, 649, 846, 812, 742, 801, 1040, 860, 874, 848, 890, 744, 749, 838, 1050, 918, 986, 797,
  923, 975, 815, 1020, 906, 901, 1170, 912, 746, 919, 718, 714, 740,
];
const csv = ['year,flow,flat', ...NILE.map((flow, index) => `${1871 + index},${flow},${index % 2}`)].join('\n');
const defaults = { method: 'sup-f', alpha: '0.05', variance: 'iid' };

describe('tollgate breaks', () => {
  it('reports both tests and the dated break for each column, in the documented JSON shape', () => {
    const report = analyseBreaks(csv, 'nile.csv', { ...defaults, column: ['flow', 'flat'], dateColumn: 'year' });
    expect(report.series.map((series) => series.column)).toEqual(['flow', 'flat']);
    const flow = report.series[0]!;
    expect(Object.keys(flow)).toEqual(['column', 'n', 'tests', 'breaks']);
    expect(flow.n).toBe(100);
    expect(flow.tests.supF.statistic).toBeCloseTo(75.93, 2);
    expect(flow.tests.olsCusum.statistic).toBeCloseTo(2.9518, 4);
    expect(flow.breaks).toEqual([{ index: 27, date: '1898', statistic: expect.closeTo(75.93, 2), pValue: expect.any(Number) }]);
    expect(report.series[1]!.breaks).toEqual([]);
  });

  it('reports null dates without a date column', () => {
    const report = analyseBreaks(csv, 'nile.csv', { ...defaults, column: ['flow'] });
    expect(report.series[0]!.breaks[0]!.date).toBeNull();
  });

  it('renders readable text naming the break and its date', () => {
    const report = analyseBreaks(csv, 'nile.csv', { ...defaults, column: ['flow'], dateColumn: 'year' });
    const text = renderBreaksReport(report, 'sup-f', '0.05');
    expect(text).toContain('flow  (n = 100)');
    expect(text).toContain('27 (1898)');
  });

  it('fails with one line naming the file, line and column of a bad value', () => {
    const bad = csv.replace('1900,840', '1900,n/a');
    expect(() => analyseBreaks(bad, 'nile.csv', { ...defaults, column: ['flow'] })).toThrow(CommandFailure);
    expect(() => analyseBreaks(bad, 'nile.csv', { ...defaults, column: ['flow'] })).toThrow('nile.csv was invalid: line 31: column "flow" was not a number: "n/a"');
  });

  it('fails naming a missing column and listing the ones there are', () => {
    expect(() => analyseBreaks(csv, 'nile.csv', { ...defaults, column: ['flows'] })).toThrow('column "flows" was not found (columns: year, flow, flat)');
  });

  it('fails on an unknown method, a bad alpha, and a series too short to test', () => {
    expect(() => analyseBreaks(csv, 'nile.csv', { ...defaults, method: 'chow', column: ['flow'] })).toThrow('--method must be one of sup-f, ols-cusum');
    expect(() => analyseBreaks(csv, 'nile.csv', { ...defaults, alpha: '5%', column: ['flow'] })).toThrow('--alpha must be a number between 0 and 1');
    expect(() => analyseBreaks('x\n1\n2\n3', 'short.csv', { ...defaults, column: ['x'] })).toThrow(/column "x" in short.csv was too short/);
  });
});

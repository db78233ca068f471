import { describe, expect, it } from 'vitest';
import { sqlChunks } from './sql-chunks';

const sizes = (n: number) => sqlChunks(Array.from({ length: n }, (_, i) => i)).map((c) => c.length);

describe('sqlChunks', () => {
  it('splits into powers of two of at most 256, keeping every row once and in order', () => {
    expect(sizes(0)).toEqual([]);
    expect(sizes(1)).toEqual([1]);
    expect(sizes(200)).toEqual([128, 64, 8]);
    expect(sizes(600)).toEqual([256, 256, 64, 16, 8]);
    const rows = Array.from({ length: 777 }, (_, i) => i);
    expect(sqlChunks(rows).flat()).toEqual(rows);
  });
});

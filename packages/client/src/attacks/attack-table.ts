// The attack suite's tally: for each attack, how often it was tried and how often it was refused
// or rendered harmless. Printed at the end of the suite and copied into docs/security.md.
export class AttackTable {
  private readonly rows = new Map<string, { attempts: number; refused: number }>();

  record(attack: string, refused: boolean): void {
    const row = this.rows.get(attack) ?? { attempts: 0, refused: 0 };
    row.attempts += 1;
    if (refused) row.refused += 1;
    this.rows.set(attack, row);
  }

  allRefused(): boolean {
    return [...this.rows.values()].every((row) => row.refused === row.attempts);
  }

  print(title: string): void {
    const lines = [`| ${title}: attack | attempts | refused (or harmless) |`, '|---|---:|---:|'];
    for (const [attack, row] of this.rows)
      lines.push(`| ${attack} | ${row.attempts} | ${row.refused} |`);
    console.log(lines.join('\n'));
  }
}

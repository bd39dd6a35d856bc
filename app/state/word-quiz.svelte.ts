/**
 * "Prove you wrote the words down": the user types the words at a few random positions. Answers
 * are compared case- and space-insensitively; a wrong one says which position it was, and what
 * was typed is kept.
 */

/** `count` distinct positions in [0, total), sorted. Not secret: crypto only for fairness. */
export function pickPositions(total: number, count: number, random: (n: number) => number = cryptoInt): number[] {
  const all = Array.from({ length: total }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [all[i], all[j]] = [all[j] as number, all[i] as number];
  }
  return all.slice(0, Math.min(count, total)).sort((a, b) => a - b);
}

function cryptoInt(n: number): number {
  const buf = new Uint32Array(1);
  crypto.getRandomValues(buf);
  return (buf[0] as number) % n;
}

export class WordQuiz {
  readonly positions: number[];
  answers: string[] = $state([]);
  submitted = $state(false);
  readonly #words: readonly string[];

  constructor(words: readonly string[], count = 3, random?: (n: number) => number) {
    this.#words = words;
    this.positions = pickPositions(words.length, count, random);
    this.answers = this.positions.map(() => '');
  }

  /** The error for question `i`, once submitted (or once typed to full length and wrong). */
  error(i: number): string | null {
    const pos = this.positions[i] as number;
    const typed = (this.answers[i] ?? '').trim().toLowerCase();
    const want = this.#words[pos] as string;
    if (typed === want) return null;
    if (!this.submitted) return null;
    if (typed === '') return `Enter word #${pos + 1}.`;
    return `That is not word #${pos + 1}. Check your written copy.`;
  }

  get complete(): boolean {
    return this.positions.every((pos, i) => (this.answers[i] ?? '').trim().toLowerCase() === this.#words[pos]);
  }

  /** Check the answers; returns the index of the first wrong one, or -1 when all are right. */
  submit(): number {
    this.submitted = true;
    return this.positions.findIndex((pos, i) => (this.answers[i] ?? '').trim().toLowerCase() !== this.#words[pos]);
  }
}

/** One line of the soak's report: what was checked, what was seen, and the problems found (a few samples). */
export interface Check {
  name: string;
  detail: string;
  problems: string[];
}

export function check(name: string, detail: string, problems: string[]): Check {
  return { name, detail, problems: problems.slice(0, 10).concat(problems.length > 10 ? [`... and ${problems.length - 10} more`] : []) };
}

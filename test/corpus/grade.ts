// Grades `chronik diagnose` against the corpus of real excerpts (test/corpus/cases/<id>/): each case's
// files are read together, in process, and the findings at warning or above are held to the case's
// expected and allowed SPEC.md codes. `npm run corpus` prints the figures; corpus.test.ts asserts them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CODES, TABLE_CODES } from '../../src/diagnose/codes.js';
import { diagnose } from '../../src/diagnose/index.js';
import { SEVERITY_RANK, type Finding } from '../../src/diagnose/model.js';

export const CASES_DIR = join(import.meta.dirname, 'cases');


export interface CaseSpec {
  id: string;
  product: string;
  library: string;
  expected: string[];
  allowed: string[];
  healthy: boolean;
}

export interface CaseResult {
  id: string;
  product: string;
  expected: string[];
  /** Table codes reported at warning or above (a refining code counted as the table code it refines). */
  got: string[];
  missing: string[];
  falseAlarms: string[];
  right: boolean;
}

export interface Grade {
  cases: CaseResult[];
  right: number;
  codesExpected: number;
  codesFound: number;
  falseAlarms: number;
}

/** The table code a finding counts as: its own, or the one its code refines (codes.ts says which). */
export function tableCodeOf(code: string): string {
  const info = (CODES as Record<string, { refines?: string }>)[code];
  return info?.refines ?? code;
}

export function loadCases(dir = CASES_DIR): CaseSpec[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'case.json')))
    .map((e) => {
      const spec = JSON.parse(readFileSync(join(dir, e.name, 'case.json'), 'utf8')) as Partial<CaseSpec>;
      return { id: spec.id ?? e.name, product: spec.product ?? '?', library: spec.library ?? '?', expected: spec.expected ?? [], allowed: spec.allowed ?? [], healthy: spec.healthy ?? false };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

export async function gradeCase(spec: CaseSpec, dir = CASES_DIR): Promise<CaseResult> {
  const caseDir = join(dir, spec.id);
  const logs = readdirSync(caseDir)
    .filter((f) => f !== 'case.json' && !f.endsWith('.md'))
    .sort()
    .map((f) => join(caseDir, f));
  const report = await diagnose(logs);
  const serious = report.findings.filter((f: Finding) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning);
  const got = new Set<string>();
  // A finding names the table code it refines when what it saw decides which (NOT_PROMOTABLE).
  const tableOf = (f: Finding): string => f.refines ?? tableCodeOf(f.code);
  for (const finding of serious) {
    got.add(finding.code);
    got.add(tableOf(finding));
  }
  const missing = spec.expected.filter((code) => !got.has(code));
  const accepted = new Set([...spec.expected, ...spec.allowed]);
  // A finding is a false alarm when neither its code nor the table code it refines is expected or allowed.
  const falseAlarms = [...new Set(serious.filter((f) => !accepted.has(f.code) && !accepted.has(tableOf(f))).map((f) => f.code))];
  const table = [...got].filter((code) => (TABLE_CODES as readonly string[]).includes(code)).sort();
  return { id: spec.id, product: spec.product, expected: spec.expected, got: table, missing, falseAlarms, right: missing.length === 0 && falseAlarms.length === 0 };
}

export async function gradeCorpus(dir = CASES_DIR): Promise<Grade> {
  const cases: CaseResult[] = [];
  for (const spec of loadCases(dir)) cases.push(await gradeCase(spec, dir));
  return {
    cases,
    right: cases.filter((c) => c.right).length,
    codesExpected: cases.reduce((n, c) => n + c.expected.length, 0),
    codesFound: cases.reduce((n, c) => n + c.expected.length - c.missing.length, 0),
    falseAlarms: cases.reduce((n, c) => n + c.falseAlarms.length, 0),
  };
}

export function renderGrade(grade: Grade): string {
  const out = [
    `cases right: ${grade.right} / ${grade.cases.length}`,
    `table codes found: ${grade.codesFound} / ${grade.codesExpected}`,
    `false alarms: ${grade.falseAlarms}`,
  ];
  const wrong = grade.cases.filter((c) => !c.right);
  if (wrong.length > 0) out.push('', 'wrong cases (id: expected -> got; missing; false alarms):');
  for (const c of wrong) {
    out.push(`  ${c.id}: [${c.expected.join(' ')}] -> [${c.got.join(' ')}]; missing [${c.missing.join(' ')}]; false alarms [${c.falseAlarms.join(' ')}]`);
  }
  return out.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const grade = await gradeCorpus();
  console.log(renderGrade(grade));
}

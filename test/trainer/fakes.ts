/** A scripted teacher for tests: answers every request with valid feedback that ends in the right answer. */
import type { Teacher, TeacherReply } from '../../src/trainer/teacher.js';
import type { TemplateSet, TeacherPromptInput } from '../../src/prompts/templates.js';

export class OracleTeacher implements Teacher {
  readonly description = 'oracle (test)';
  calls = 0;
  constructor(
    private readonly answers: Map<string, string>,
    private readonly broken = false,
  ) {}

  async feedback(_t: TemplateSet, reqs: TeacherPromptInput[]): Promise<TeacherReply[]> {
    this.calls += reqs.length;
    return reqs.map((r) => {
      if (this.broken) return { ok: true, text: 'I am not sure what to say.' };
      const a = this.answers.get(r.question);
      if (a === undefined) return { ok: false, error: 'unknown question' };
      return { ok: true, text: `<opinion>incorrect</opinion> <reason>Wait... let me check my steps.</reason> <phrase>The answer is \\boxed{${a}}.</phrase>` };
    });
  }

  dispose(): void {}
}

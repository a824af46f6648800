// SQL text cut into statements for Drill, whose REST API runs one statement per request: `;`
// outside quotes ('…', "…", `…`) and comments (-- …, /* … */) ends a statement.

/** The statements of `sql`, trimmed, without their `;`; those holding only comments are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let meaningful = false;
  const n = sql.length;
  const close = (end: number) => {
    if (meaningful) statements.push(sql.slice(start, end).trim());
    start = end + 1;
    meaningful = false;
  };
  for (let i = 0; i < n; i++) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      meaningful = true;
      // A doubled quote inside is part of the text.
      for (i++; i < n; i++) {
        if (sql[i] === c) {
          if (sql[i + 1] === c) i++;
          else break;
        }
      }
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === ';') {
      close(i);
    } else if (!/\s/.test(c)) {
      meaningful = true;
    }
  }
  close(n);
  return statements;
}

/** The statement's first keyword in upper case (SELECT, WITH, CREATE…), past comments and parentheses. */
export function statementKind(statement: string): string {
  const text = statement.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').replace(/^[\s(]+/, '');
  return (/^[A-Za-z_]+/.exec(text)?.[0] ?? '').toUpperCase();
}

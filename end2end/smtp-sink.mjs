// The SMTP server of the browser tests: accepts every message sent to
// 127.0.0.1:<port> and writes each, parsed, as one JSON file in <dir>
// (to, subject, text, html, headers) for the tests to read.
// Usage: node smtp-sink.mjs <dir> <port>
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, port] = process.argv.slice(2);
mkdirSync(dir, { recursive: true });
let count = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    simpleParser(stream)
      .then((mail) => {
        count += 1;
        const headers = {};
        for (const name of ['message-id', 'in-reply-to', 'references', 'list-unsubscribe', 'list-unsubscribe-post']) {
          const value = mail.headerLines.find((line) => line.key === name);
          if (value) headers[name] = value.line.slice(name.length + 1).trim();
        }
        const record = {
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: typeof mail.html === 'string' ? mail.html : '',
          headers,
        };
        writeFileSync(join(dir, `${String(count).padStart(5, '0')}.json`), JSON.stringify(record));
        callback();
      })
      .catch(callback);
  },
});
server.listen(Number(port), '127.0.0.1');

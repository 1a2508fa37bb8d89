// Vitest globalSetup for the end-to-end run: start the real stack (devstack/e2e_stack.py: web API serving the built
// app, PostgreSQL, SQS, the Odds API simulator, the ingest and grader workers) and hand its URLs to the tests.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

export interface StackUrls {
  app: string;
  control: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackUrls;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const STARTUP_MS = 150_000;

function python(): string {
  const venv = `${ROOT}.venv/bin/python`;
  return process.env.PICKVS_PYTHON ?? (existsSync(venv) ? venv : 'python3');
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`the e2e stack did not start within ${STARTUP_MS / 1000} s`)),
      STARTUP_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const end = buffer.indexOf('\n');
      if (end >= 0) {
        clearTimeout(timer);
        resolve(buffer.slice(0, end));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the e2e stack exited with ${code} before it was ready (its log is above)`));
    });
  });
}

export default async function setup(project: TestProject) {
  const child = spawn(python(), ['-m', 'devstack.e2e_stack'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const urls = JSON.parse(await firstLine(child)) as StackUrls;
  project.provide('stack', urls);
  return async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
}

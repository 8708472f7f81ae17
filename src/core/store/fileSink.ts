import { writeSync } from 'node:fs';

/** Buffered synchronous writes to an open file: many small pieces (added rows' text) become few system calls. */
export class FileSink {
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private filled = 0;
  offset = 0;

  constructor(private readonly fd: number) {}

  write = (bytes: Uint8Array): void => {
    this.offset += bytes.byteLength;
    if (this.filled + bytes.byteLength > this.buffer.length) this.flush();
    if (bytes.byteLength >= this.buffer.length) writeAll(this.fd, bytes);
    else {
      this.buffer.set(bytes, this.filled);
      this.filled += bytes.byteLength;
    }
  };

  flush(): void {
    if (this.filled) writeAll(this.fd, this.buffer.subarray(0, this.filled));
    this.filled = 0;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.byteLength;) done += writeSync(fd, bytes, done, bytes.byteLength - done);
}

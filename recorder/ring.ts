// BPF ring buffers read in place from JavaScript: the consumer and producer pages are mapped
// here (as libbpf does), records are walked in a plain loop, and the consumer position is
// stored once per batch. No native callback per record (koffi's costs ~0.5 µs each).
//   page 0 (rw): consumer_pos          page 1 (ro): producer_pos
//   then (ro): the data area, mapped twice back to back, so a record is always contiguous.
// Each record: u32 len (bit 31 busy, bit 30 discarded), u32 page offset, data, padded to 8.
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
const mmap = libc.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off)');
const munmap = libc.func('int munmap(void *addr, size_t len)');
const epoll_create1 = libc.func('int epoll_create1(int flags)');
const epoll_ctl = libc.func('int epoll_ctl(int epfd, int op, int fd, void *ev)');
const epoll_wait = libc.func('int epoll_wait(int epfd, void *evs, int max, int timeout)');
const close = libc.func('int close(int fd)');
const sysconf = libc.func('long sysconf(int name)');

const PROT_READ = 1, PROT_WRITE = 2, MAP_SHARED = 1, EPOLL_CLOEXEC = 0o2000000, EPOLL_CTL_ADD = 1, EPOLLIN = 1, EPOLLET = 0x80000000;
const BUSY = 0x80000000, DISCARD = 0x40000000, HDR = 8;
const MAP_FAILED = 0xffffffffffffffffn;

/** Called for each record: the view, the record's offset in it, its size. */
export type OnRecord = (view: Buffer, off: number, size: number) => void;

export class Ring {
  private readonly page = Number(sysconf(30 /* _SC_PAGESIZE */));
  private readonly consPtr: bigint;
  private readonly prodPtr: bigint;
  private readonly cons: BigUint64Array;
  private readonly prod: BigUint64Array;
  private readonly data: Buffer;
  private readonly hdr: Int32Array;
  private readonly mask: number;
  private pos: number;
  /** Records handed out so far. */
  records = 0;

  constructor(readonly fd: number, readonly size: number, readonly name: string) {
    this.consPtr = mmap(null, this.page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) as bigint;
    if (!this.consPtr || BigInt(this.consPtr) === MAP_FAILED) throw new Error(`mmap of ring ${name} (consumer page) failed: errno ${koffi.errno()}`);
    this.prodPtr = mmap(null, this.page + 2 * size, PROT_READ, MAP_SHARED, fd, this.page) as bigint;
    if (!this.prodPtr || BigInt(this.prodPtr) === MAP_FAILED) {
      munmap(this.consPtr, this.page);
      throw new Error(`mmap of ring ${name} (data) failed: errno ${koffi.errno()}`);
    }
    this.cons = new BigUint64Array(koffi.view(this.consPtr, 8));
    this.prod = new BigUint64Array(koffi.view(this.prodPtr, 8));
    const dataAb = koffi.view(this.prodPtr + BigInt(this.page), 2 * size);
    this.data = Buffer.from(dataAb);
    this.hdr = new Int32Array(dataAb);
    this.mask = size - 1;
    this.pos = Number(Atomics.load(this.cons, 0));
  }

  /** Hands out up to `budget` committed records; returns how many. Discarded ones are skipped. */
  drain(onRecord: OnRecord, budget: number): number {
    const end = Number(Atomics.load(this.prod, 0));
    let pos = this.pos;
    let n = 0;
    while (pos < end && n < budget) {
      const at = pos & this.mask;
      const len = Atomics.load(this.hdr, at >> 2) >>> 0;
      if (len & BUSY) break;
      const size = len & 0x3fffffff;
      if (!(len & DISCARD)) {
        onRecord(this.data, at + HDR, size);
        n++;
      }
      pos += (size + HDR + 7) & ~7;
    }
    if (pos !== this.pos) {
      this.pos = pos;
      Atomics.store(this.cons, 0, BigInt(pos));
    }
    this.records += n;
    return n;
  }

  /** Bytes committed or in flight that have not been consumed. */
  pending(): number { return Number(Atomics.load(this.prod, 0)) - this.pos; }

  close(): void {
    munmap(this.prodPtr, this.page + 2 * this.size);
    munmap(this.consPtr, this.page);
  }
}

/** Waits on several rings' fds at once, edge-triggered: it returns when a program asks for a
 * wakeup (the record that takes a ring past cfg.wake_bytes), not whenever a ring holds a record,
 * so the consumer can rest between rounds without spinning on a trickle and still be woken at
 * once by a storm. A wakeup that comes while nobody waits is kept for the next wait. */
export class RingWaiter {
  private readonly ep: number;
  // struct epoll_event is packed on x86_64 (u32 events, u64 data), naturally aligned elsewhere
  private static readonly EV = process.arch === 'x64' ? 12 : 16;
  private readonly evs = Buffer.alloc(RingWaiter.EV * 4);

  constructor(fds: number[]) {
    this.ep = epoll_create1(EPOLL_CLOEXEC);
    if (this.ep < 0) throw new Error(`epoll_create1 failed: errno ${koffi.errno()}`);
    for (const fd of fds) {
      const ev = Buffer.alloc(RingWaiter.EV);
      ev.writeUInt32LE((EPOLLIN | EPOLLET) >>> 0, 0);
      ev.writeUInt32LE(fd, RingWaiter.EV - 8);
      if (epoll_ctl(this.ep, EPOLL_CTL_ADD, fd, ev) < 0) throw new Error(`epoll_ctl on ring fd ${fd} failed: errno ${koffi.errno()}`);
    }
  }

  /** Blocks up to timeoutMs; returns when a ring signals or the time is up. */
  wait(timeoutMs: number): void { epoll_wait(this.ep, this.evs, 4, timeoutMs); }

  close(): void { close(this.ep); }
}

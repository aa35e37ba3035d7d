// libbpf.so.1 through koffi: the few calls the recorder needs, with errors turned into
// exceptions that carry the errno text. Pointers are BigInt (koffi 3); null means NULL.
import koffi, { type LibraryHandle } from 'koffi';
import { constants } from 'node:os';

export type Ptr = bigint;

export class LibbpfError extends Error {
  constructor(readonly call: string, readonly errno: number) {
    super(`${call}: ${errnoText(errno)}`);
    this.name = 'LibbpfError';
  }
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

export function errnoText(errno: number): string {
  const e = Math.abs(errno);
  const name = ERRNO_NAMES.get(e) ?? `errno ${e}`;
  const hint: Record<string, string> = {
    EPERM: 'operation not permitted', EACCES: 'permission denied', ENOENT: 'no such file or probe',
    EINVAL: 'invalid argument', ENOTSUP: 'not supported', EOPNOTSUPP: 'not supported by this kernel',
    E2BIG: 'too big', ESRCH: 'no such symbol or process', ENOMEM: 'out of memory', EBUSY: 'busy',
  };
  return hint[name] ? `${name} (${hint[name]})` : name;
}

export interface Libbpf {
  openFile(path: string): Ptr;
  close(obj: Ptr): void;
  load(obj: Ptr): void;
  programs(obj: Ptr): { ptr: Ptr; name: string; section: string }[];
  setAutoload(prog: Ptr, on: boolean): void;
  maps(obj: Ptr): { ptr: Ptr; name: string }[];
  mapFd(map: Ptr): number;
  reuseFd(map: Ptr, fd: number): void;
  setMaxEntries(map: Ptr, n: number): void;
  valueSize(map: Ptr): number;
  initialValue(map: Ptr): Buffer | null;
  setInitialValue(map: Ptr, data: Buffer): void;
  lookup(map: Ptr, key: Buffer, value: Buffer): boolean;
  attach(prog: Ptr): Ptr;
  attachUprobe(prog: Ptr, binary: string, func: string, retprobe: boolean): Ptr;
  destroyLink(link: Ptr): void;
  /** Loads in a libuv worker thread (the verifier can take a second), so loads overlap. */
  loadAsync(obj: Ptr): Promise<void>;
  /** A BPF ring buffer map of `bytes` (a power of two, at least a page); returns its fd. */
  createRing(name: string, bytes: number): number;
  closeFd(fd: number): void;
  possibleCpus(): number;
  silence(): void;
}

/** Loads libbpf.so.1; throws an Error naming the fix when it is missing. */
export function openLibbpf(path = 'libbpf.so.1'): Libbpf {
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (e) {
    throw new Error(`cannot load ${path}: ${(e as Error).message}\n  fix: apt-get install libbpf1`);
  }
  const UprobeOpts = koffi.struct('bpf_uprobe_opts', {
    sz: 'size_t', ref_ctr_offset: 'size_t', bpf_cookie: 'uint64_t', retprobe: 'bool', func_name: 'const char *',
  });
  const f = {
    set_print: lib.func('void *libbpf_set_print(void *fn)'),
    open_file: lib.func('void *bpf_object__open_file(const char *path, void *opts)'),
    obj_close: lib.func('void bpf_object__close(void *obj)'),
    obj_load: lib.func('int bpf_object__load(void *obj)'),
    next_program: lib.func('void *bpf_object__next_program(void *obj, void *prev)'),
    prog_name: lib.func('const char *bpf_program__name(void *prog)'),
    prog_section: lib.func('const char *bpf_program__section_name(void *prog)'),
    set_autoload: lib.func('int bpf_program__set_autoload(void *prog, bool autoload)'),
    next_map: lib.func('void *bpf_object__next_map(void *obj, void *prev)'),
    map_name: lib.func('const char *bpf_map__name(void *map)'),
    map_fd: lib.func('int bpf_map__fd(void *map)'),
    reuse_fd: lib.func('int bpf_map__reuse_fd(void *map, int fd)'),
    set_max_entries: lib.func('int bpf_map__set_max_entries(void *map, uint32_t n)'),
    value_size: lib.func('uint32_t bpf_map__value_size(void *map)'),
    initial_value: lib.func('void *bpf_map__initial_value(void *map, _Out_ size_t *psize)'),
    set_initial_value: lib.func('int bpf_map__set_initial_value(void *map, const void *data, size_t size)'),
    lookup_elem: lib.func('int bpf_map__lookup_elem(void *map, const void *key, size_t key_sz, _Out_ void *value, size_t value_sz, uint64_t flags)'),
    attach: lib.func('void *bpf_program__attach(void *prog)'),
    attach_uprobe: lib.func('void *bpf_program__attach_uprobe_opts(void *prog, int pid, const char *path, size_t offset, const bpf_uprobe_opts *opts)'),
    link_destroy: lib.func('int bpf_link__destroy(void *link)'),
    map_create: lib.func('int bpf_map_create(int type, const char *name, uint32_t key_size, uint32_t value_size, uint32_t max_entries, void *opts)'),
    num_cpus: lib.func('int libbpf_num_possible_cpus(void)'),
  };
  const closeFd = koffi.load('libc.so.6').func('int close(int fd)');
  const fail = (call: string, ret?: number): never => { throw new LibbpfError(call, ret && ret < 0 ? ret : koffi.errno()); };
  const ptr = (call: string, p: Ptr | null): Ptr => (p ? p : fail(call));
  const check = (call: string, ret: number): void => { if (ret < 0) fail(call, ret); };

  return {
    openFile: (path) => ptr(`open ${path}`, f.open_file(path, null)),
    close: (obj) => f.obj_close(obj),
    load: (obj) => check('bpf_object__load', f.obj_load(obj)),
    programs(obj) {
      const out = [];
      for (let p: Ptr | null = f.next_program(obj, null); p; p = f.next_program(obj, p)) {
        out.push({ ptr: p, name: f.prog_name(p) as string, section: f.prog_section(p) as string });
      }
      return out;
    },
    setAutoload: (prog, on) => check('bpf_program__set_autoload', f.set_autoload(prog, on)),
    maps(obj) {
      const out = [];
      for (let m: Ptr | null = f.next_map(obj, null); m; m = f.next_map(obj, m)) out.push({ ptr: m, name: f.map_name(m) as string });
      return out;
    },
    mapFd: (map) => f.map_fd(map),
    reuseFd: (map, fd) => check('bpf_map__reuse_fd', f.reuse_fd(map, fd)),
    setMaxEntries: (map, n) => check('bpf_map__set_max_entries', f.set_max_entries(map, n)),
    valueSize: (map) => f.value_size(map),
    initialValue(map) {
      const size = [0];
      const p: Ptr | null = f.initial_value(map, size);
      if (!p || !size[0]) return null;
      return Buffer.from(koffi.view(p, size[0]).slice(0));
    },
    setInitialValue: (map, data) => check('bpf_map__set_initial_value', f.set_initial_value(map, data, data.length)),
    lookup: (map, key, value) => f.lookup_elem(map, key, key.length, value, value.length, 0) === 0,
    attach: (prog) => ptr('bpf_program__attach', f.attach(prog)),
    attachUprobe(prog, binary, func, retprobe) {
      const opts = { sz: koffi.sizeof(UprobeOpts), ref_ctr_offset: 0, bpf_cookie: 0, retprobe, func_name: func };
      return ptr(`attach uprobe ${binary}:${func}`, f.attach_uprobe(prog, -1, binary, 0, opts));
    },
    destroyLink: (link) => { f.link_destroy(link); },
    loadAsync: (obj) => new Promise((resolve, reject) => {
      f.obj_load.async(obj, (err: unknown, ret: number) => {
        if (err) reject(err as Error);
        else if (ret < 0) reject(new LibbpfError('bpf_object__load', ret));
        else resolve();
      });
    }),
    createRing(name, bytes) {
      const fd = f.map_create(27 /* BPF_MAP_TYPE_RINGBUF */, name, 0, 0, bytes, null) as number;
      if (fd < 0) fail(`create ring ${name}`, fd);
      return fd;
    },
    closeFd: (fd) => { closeFd(fd); },
    possibleCpus: () => f.num_cpus(),
    silence: () => { f.set_print(null); },
  };
}

/** A view of `len` bytes of native memory at `p` (no copy). */
export function nativeView(p: Ptr, len: number): Buffer {
  return Buffer.from(koffi.view(p, len));
}

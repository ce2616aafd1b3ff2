// File times to the nanosecond. Sets a file's access and modification times (utimensat/futimens), which Node's
// utimes cannot: it takes a double, and a double holds today's epoch seconds to about a quarter of a microsecond.
// And reads a file's metadata with its times in seconds and nanoseconds (lstat) into a caller's Float64Array, which
// Node's lstat gives only as a BigIntStats object: ~1.5 KB of garbage per call, the main cost of walking a tree.
// Exports:
//   setPath(path: string | Buffer, sec: number, nsec: number, noFollow: boolean): void
//   setFd(fd: number, sec: number, nsec: number): void
//   lstatInto(path: string | Buffer, out: Float64Array): void   (fields: see LSTAT_FIELDS in src/util/utimens.ts)
//   renameNoReplace(from: string | Buffer, to: string | Buffer): number   (0, or the errno: it does not throw)
// renameNoReplace renames unless `to` exists (renameat2 with RENAME_NOREPLACE): a restore's "is the real name free?"
// and its rename in one step, with no moment between them in which a file made at that name would be replaced.
// setPath and setFd set atime and mtime to the same instant. All throw an Error with `code` (e.g. "ENOENT"),
// `errno` and `syscall` as Node's fs errors do.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <node_api.h>
#include <uv.h>

#define CHECK(call)                                                                                                    \
  do {                                                                                                                 \
    if ((call) != napi_ok) return NULL;                                                                                \
  } while (0)

static napi_value throw_errno(napi_env env, int err, const char *syscall) {
  const char *code = uv_err_name(uv_translate_sys_error(err));
  char message[256];
  snprintf(message, sizeof message, "%s: %s", code, strerror(err));
  napi_value js_code, js_message, error, js_errno, js_syscall;
  CHECK(napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code));
  CHECK(napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &js_message));
  CHECK(napi_create_error(env, js_code, js_message, &error));
  CHECK(napi_create_int32(env, -err, &js_errno));
  CHECK(napi_set_named_property(env, error, "errno", js_errno));
  CHECK(napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &js_syscall));
  CHECK(napi_set_named_property(env, error, "syscall", js_syscall));
  napi_throw(env, error);
  return NULL;
}

/** Reads (sec, nsec) from two arguments into a timespec pair; false (with a JS exception pending) on bad input. */
static int read_times(napi_env env, napi_value sec_v, napi_value nsec_v, struct timespec ts[2]) {
  int64_t sec, nsec;
  if (napi_get_value_int64(env, sec_v, &sec) != napi_ok || napi_get_value_int64(env, nsec_v, &nsec) != napi_ok) {
    napi_throw_type_error(env, NULL, "sec and nsec must be numbers");
    return 0;
  }
  if (nsec < 0 || nsec > 999999999) {
    napi_throw_range_error(env, NULL, "nsec must be in 0..999999999");
    return 0;
  }
  ts[0].tv_sec = (time_t)sec;
  ts[0].tv_nsec = (long)nsec;
  ts[1] = ts[0];
  return 1;
}

/** malloc(len + 1), or NULL with an ENOMEM error pending (named after `syscall`). */
static char *alloc_path(napi_env env, size_t len, const char *syscall) {
  char *path = malloc(len + 1);
  if (path == NULL) throw_errno(env, ENOMEM, syscall);
  return path;
}

/** Reads a path argument (string or Buffer, no NUL byte) into a malloc'd C string; NULL with an exception pending. */
static char *read_path(napi_env env, napi_value value, const char *syscall) {
  char *path = NULL;
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return NULL;
  bool is_buffer = false;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok) return NULL;
  if (is_buffer) {
    void *data;
    size_t len;
    if (napi_get_buffer_info(env, value, &data, &len) != napi_ok) return NULL;
    if (memchr(data, 0, len) != NULL) {
      napi_throw_type_error(env, NULL, "path must not contain a NUL byte");
      return NULL;
    }
    path = alloc_path(env, len, syscall);
    if (path == NULL) return NULL;
    memcpy(path, data, len);
    path[len] = 0;
  } else if (type == napi_string) {
    size_t len;
    if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) return NULL;
    path = alloc_path(env, len, syscall);
    if (path == NULL) return NULL;
    if (napi_get_value_string_utf8(env, value, path, len + 1, &len) != napi_ok) {
      free(path);
      return NULL;
    }
    if (strlen(path) != len) {
      free(path);
      napi_throw_type_error(env, NULL, "path must not contain a NUL byte");
      return NULL;
    }
  } else {
    napi_throw_type_error(env, NULL, "path must be a string or a Buffer");
  }
  return path;
}

/** The call's first `n` arguments into `argv`; false (with a TypeError naming `usage` pending) when fewer came. */
static bool get_args(napi_env env, napi_callback_info info, size_t n, napi_value *argv, const char *usage) {
  size_t argc = n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (argc < n) {
    napi_throw_type_error(env, NULL, usage);
    return false;
  }
  return true;
}

static napi_value set_path(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv, "setPath(path, sec, nsec, noFollow)")) return NULL;
  char *path = read_path(env, argv[0], "utimensat");
  if (path == NULL) return NULL;
  struct timespec ts[2];
  bool no_follow = false;
  if (!read_times(env, argv[1], argv[2], ts) || napi_get_value_bool(env, argv[3], &no_follow) != napi_ok) {
    free(path);
    return NULL;
  }
  int rc = utimensat(AT_FDCWD, path, ts, no_follow ? AT_SYMLINK_NOFOLLOW : 0);
  int err = errno;
  free(path);
  if (rc != 0) return throw_errno(env, err, "utimensat");
  return NULL;
}

static napi_value set_fd(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv, "setFd(fd, sec, nsec)")) return NULL;
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "fd must be a number");
    return NULL;
  }
  struct timespec ts[2];
  if (!read_times(env, argv[1], argv[2], ts)) return NULL;
  if (futimens(fd, ts) != 0) return throw_errno(env, errno, "futimens");
  return NULL;
}

#define LSTAT_FIELDS 16

/** Splits a 64-bit unsigned value into two doubles (high and low 32 bits): both exact. */
static void put_u64(double *out, uint64_t v) {
  out[0] = (double)(v >> 32);
  out[1] = (double)(v & 0xffffffffu);
}

static napi_value lstat_into(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "lstatInto(path, out: Float64Array)")) return NULL;
  bool is_typed = false;
  if (napi_is_typedarray(env, argv[1], &is_typed) != napi_ok || !is_typed) {
    napi_throw_type_error(env, NULL, "lstatInto(path, out: Float64Array)");
    return NULL;
  }
  napi_typedarray_type ta_type;
  size_t length;
  void *data;
  CHECK(napi_get_typedarray_info(env, argv[1], &ta_type, &length, &data, NULL, NULL));
  if (ta_type != napi_float64_array || length < LSTAT_FIELDS) {
    napi_throw_type_error(env, NULL, "out must be a Float64Array of at least 16 elements");
    return NULL;
  }
  char *path = read_path(env, argv[0], "lstat");
  if (path == NULL) return NULL;
  struct stat st;
  int rc = lstat(path, &st);
  int err = errno;
  free(path);
  if (rc != 0) return throw_errno(env, err, "lstat");
  double *out = data;
  out[0] = (double)st.st_mode;
  out[1] = (double)st.st_nlink;
  out[2] = (double)st.st_uid;
  out[3] = (double)st.st_gid;
  out[4] = (double)st.st_size;
  out[5] = (double)st.st_blocks;
  out[6] = (double)st.st_mtim.tv_sec;
  out[7] = (double)st.st_mtim.tv_nsec;
  out[8] = (double)st.st_ctim.tv_sec;
  out[9] = (double)st.st_ctim.tv_nsec;
  put_u64(out + 10, (uint64_t)st.st_ino);
  put_u64(out + 12, (uint64_t)st.st_dev);
  put_u64(out + 14, (uint64_t)st.st_rdev);
  return NULL;
}

static napi_value rename_no_replace(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv, "renameNoReplace(from, to)")) return NULL;
  char *from = read_path(env, argv[0], "renameat2");
  if (from == NULL) return NULL;
  char *to = read_path(env, argv[1], "renameat2");
  if (to == NULL) {
    free(from);
    return NULL;
  }
  int rc = renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE);
  int err = rc == 0 ? 0 : errno;
  free(from);
  free(to);
  napi_value result;
  CHECK(napi_create_int32(env, err, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } exported[] = {
      {"setPath", set_path},
      {"setFd", set_fd},
      {"lstatInto", lstat_into},
      {"renameNoReplace", rename_no_replace},
  };
  for (size_t i = 0; i < sizeof exported / sizeof exported[0]; i++) {
    napi_value fn;
    CHECK(napi_create_function(env, exported[i].name, NAPI_AUTO_LENGTH, exported[i].fn, NULL, &fn));
    CHECK(napi_set_named_property(env, exports, exported[i].name, fn));
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

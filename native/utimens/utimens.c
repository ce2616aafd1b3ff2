// Sets a file's access and modification times to the nanosecond (utimensat/futimens), which Node's utimes cannot:
// it takes a double, and a double holds today's epoch seconds to about a quarter of a microsecond.
// Exports:
//   setPath(path: string | Buffer, sec: number, nsec: number, noFollow: boolean): void
//   setFd(fd: number, sec: number, nsec: number): void
// Both set atime and mtime to the same instant and throw an Error with `code` (e.g. "ENOENT"), `errno` and
// `syscall` as Node's fs errors do.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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

static napi_value set_path(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "setPath(path, sec, nsec, noFollow)");
    return NULL;
  }
  char *path = NULL;
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[0], &type));
  bool is_buffer = false;
  CHECK(napi_is_buffer(env, argv[0], &is_buffer));
  if (is_buffer) {
    void *data;
    size_t len;
    CHECK(napi_get_buffer_info(env, argv[0], &data, &len));
    if (memchr(data, 0, len) != NULL) {
      napi_throw_type_error(env, NULL, "path must not contain a NUL byte");
      return NULL;
    }
    path = malloc(len + 1);
    if (path == NULL) return throw_errno(env, ENOMEM, "utimensat");
    memcpy(path, data, len);
    path[len] = 0;
  } else if (type == napi_string) {
    size_t len;
    CHECK(napi_get_value_string_utf8(env, argv[0], NULL, 0, &len));
    path = malloc(len + 1);
    if (path == NULL) return throw_errno(env, ENOMEM, "utimensat");
    if (napi_get_value_string_utf8(env, argv[0], path, len + 1, &len) != napi_ok) {
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
    return NULL;
  }
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
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "setFd(fd, sec, nsec)");
    return NULL;
  }
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

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "setPath", NAPI_AUTO_LENGTH, set_path, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "setPath", fn));
  CHECK(napi_create_function(env, "setFd", NAPI_AUTO_LENGTH, set_fd, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "setFd", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

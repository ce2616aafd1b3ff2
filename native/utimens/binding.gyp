{
  "targets": [
    {
      "target_name": "utimens",
      "sources": ["utimens.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}

{
  "targets": [
    {
      "target_name": "fts_native",
      "sources": ["src/fts_native.c"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread"],
      "cflags": ["-O3", "-std=c11", "-fno-strict-aliasing", "-ffp-contract=off"],
      "ldflags": ["-Wl,--gc-sections", "-s"],
      "conditions": [
        ["OS=='linux' and target_arch=='x64'", {
          "libraries": [
            "-Wl,--exclude-libs,ALL",
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.a",
            "-lpthread", "-lm"
          ]
        }],
        ["OS=='linux' and target_arch=='arm64'", {
          "include_dirs": ["/usr/include/aarch64-linux-gnu/openblas-pthread"],
          "libraries": [
            "-Wl,--exclude-libs,ALL",
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.a",
            "-lpthread", "-lm"
          ]
        }],
        ["OS=='mac'", {
          "include_dirs": ["/opt/homebrew/opt/openblas/include", "/usr/local/opt/openblas/include"],
          "libraries": ["-L/opt/homebrew/opt/openblas/lib", "-L/usr/local/opt/openblas/lib", "-lopenblas"]
        }]
      ]
    }
  ]
}

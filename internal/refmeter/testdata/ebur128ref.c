/* Reference loudness meter for mixdown's cross-checks: reads interleaved
 * float32 little-endian samples on stdin and prints libebur128's integrated
 * loudness (LUFS), loudness range (LU), and per-channel true peak and sample
 * peak (linear), one "key value" pair per line. Built by the tests against
 * Debian's libebur128-dev; not part of mixdown itself. */
#include <ebur128.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s RATE CHANNELS < f32le\n", argv[0]);
    return 2;
  }
  unsigned long rate = strtoul(argv[1], NULL, 10);
  unsigned int channels = (unsigned int)strtoul(argv[2], NULL, 10);
  ebur128_state *st = ebur128_init(channels, rate,
      EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK | EBUR128_MODE_SAMPLE_PEAK);
  if (!st) {
    fprintf(stderr, "ebur128_init failed\n");
    return 1;
  }
  enum { FRAMES = 4096 };
  float *buf = malloc(sizeof(float) * FRAMES * channels);
  size_t n;
  while ((n = fread(buf, sizeof(float) * channels, FRAMES, stdin)) > 0) {
    if (ebur128_add_frames_float(st, buf, n) != EBUR128_SUCCESS) {
      fprintf(stderr, "ebur128_add_frames_float failed\n");
      return 1;
    }
  }
  double v;
  ebur128_loudness_global(st, &v);
  printf("integrated %.6f\n", v);
  ebur128_loudness_range(st, &v);
  printf("lra %.6f\n", v);
  for (unsigned int c = 0; c < channels; c++) {
    ebur128_true_peak(st, c, &v);
    printf("truepeak %.9f\n", v);
    ebur128_sample_peak(st, c, &v);
    printf("samplepeak %.9f\n", v);
  }
  ebur128_destroy(&st);
  free(buf);
  return 0;
}

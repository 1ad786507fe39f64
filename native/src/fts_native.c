/*
 * Fine-Tune Studio native kernels: the hot kernels of the tfjs wasm backend, run on the wasm
 * heap in place. JavaScript passes the heap (a typed array over the wasm Memory's buffer) and
 * byte offsets of the tensors inside it; nothing is copied. Every range is bounds-checked
 * against the heap before any read or write.
 *
 * GEMM goes to OpenBLAS's cblas_sgemm (multi-threaded). The optimizer and norm kernels are
 * plain loops: they are memory-bound, and one pass over all tensors replaces several tfjs
 * kernel calls per tensor.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* openblas_config.h defines OPENBLAS_VERSION as " OpenBLAS 0.3.21 " */
#ifndef OPENBLAS_VERSION
#define OPENBLAS_VERSION "OpenBLAS"
#endif

extern void openblas_set_num_threads(int);
extern int openblas_get_num_threads(void);
extern int openblas_get_num_procs(void);
extern char *openblas_get_config(void);

#define MAX_ARGS 16

typedef struct {
  uint8_t *data;
  size_t bytes;
} Heap;

static napi_value throw_error(napi_env env, const char *message) {
  napi_throw_error(env, "FTS_NATIVE", message);
  return NULL;
}

static napi_value throw_range(napi_env env, const char *message) {
  napi_throw_range_error(env, "FTS_NATIVE_RANGE", message);
  return NULL;
}

/* A typed array (any element type) or an (Shared)ArrayBuffer. */
static int get_heap(napi_env env, napi_value value, Heap *heap) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (is_typed) {
    napi_typedarray_type type;
    size_t length;
    void *data;
    napi_value buffer;
    size_t offset;
    if (napi_get_typedarray_info(env, value, &type, &length, &data, &buffer, &offset) != napi_ok) return 0;
    size_t element = 1;
    switch (type) {
      case napi_int16_array: case napi_uint16_array: element = 2; break;
      case napi_int32_array: case napi_uint32_array: case napi_float32_array: element = 4; break;
      case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: element = 8; break;
      default: element = 1;
    }
    heap->data = (uint8_t *)data;
    heap->bytes = length * element;
    return data != NULL || length == 0;
  }
  bool is_buffer = false;
  napi_is_arraybuffer(env, value, &is_buffer);
  if (is_buffer) {
    void *data;
    size_t length;
    if (napi_get_arraybuffer_info(env, value, &data, &length) != napi_ok) return 0;
    heap->data = (uint8_t *)data;
    heap->bytes = length;
    return 1;
  }
  return 0;
}

static int get_f64(napi_env env, napi_value value, double *out) {
  return napi_get_value_double(env, value, out) == napi_ok;
}

static int get_i64(napi_env env, napi_value value, int64_t *out) {
  double d;
  if (!get_f64(env, value, &d) || d != d || d < 0 || d > 9007199254740991.0 || floor(d) != d) return 0;
  *out = (int64_t)d;
  return 1;
}

/* A boolean or a number (non-zero is true). */
static int get_flag(napi_env env, napi_value value, double *out) {
  bool b;
  if (napi_get_value_bool(env, value, &b) == napi_ok) {
    *out = b ? 1 : 0;
    return 1;
  }
  return get_f64(env, value, out);
}

/* A Float64Array of non-negative whole numbers (offsets, sizes). */
static int get_f64_array(napi_env env, napi_value value, const double **out, size_t *length) {
  bool is_typed = false;
  napi_is_typedarray(env, value, &is_typed);
  if (!is_typed) return 0;
  napi_typedarray_type type;
  void *data;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, &data, &buffer, &offset) != napi_ok) return 0;
  if (type != napi_float64_array) return 0;
  *out = (const double *)data;
  return 1;
}

/* Checks that `count` floats at byte `offset` lie inside the heap and are 4-byte aligned. */
static float *floats_at(const Heap *heap, double offset, double count) {
  if (offset < 0 || count < 0 || floor(offset) != offset || floor(count) != count) return NULL;
  if (((uint64_t)offset & 3u) != 0) return NULL;
  if (offset + 4.0 * count > (double)heap->bytes) return NULL;
  return (float *)(heap->data + (size_t)offset);
}

/* ---- info / threads ---------------------------------------------------------------------- */

static napi_value info(napi_env env, napi_callback_info cbinfo) {
  (void)cbinfo;
  napi_value result, value;
  napi_create_object(env, &result);
  char version[64];
  /* Trim the spaces around the macro's text. */
  const char *v = OPENBLAS_VERSION;
  while (*v == ' ') v++;
  snprintf(version, sizeof version, "%s", v);
  size_t len = strlen(version);
  while (len > 0 && version[len - 1] == ' ') version[--len] = '\0';
  napi_create_string_utf8(env, version, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, result, "blas", value);
  napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, result, "config", value);
  napi_create_int32(env, openblas_get_num_threads(), &value);
  napi_set_named_property(env, result, "threads", value);
  napi_create_int32(env, openblas_get_num_procs(), &value);
  napi_set_named_property(env, result, "cores", value);
  return result;
}

static napi_value set_threads(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL);
  int64_t n;
  if (argc < 1 || !get_i64(env, argv[0], &n) || n < 1 || n > 1024) return throw_range(env, "setThreads(n): n must be a whole number from 1 to 1024");
  openblas_set_num_threads((int)n);
  napi_value result;
  napi_create_int32(env, openblas_get_num_threads(), &result);
  return result;
}

/* ---- matmul + fused epilogue ------------------------------------------------------------- */

enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_PRELU = 3, ACT_LEAKYRELU = 4, ACT_SIGMOID = 5, ACT_ELU = 6 };

static inline float activate(int act, float x, float alpha, float prelu) {
  switch (act) {
    case ACT_RELU: return x > 0.f ? x : 0.f;
    case ACT_RELU6: return x < 0.f ? 0.f : (x > 6.f ? 6.f : x);
    case ACT_PRELU: return x < 0.f ? prelu * x : x;
    case ACT_LEAKYRELU: return x < 0.f ? alpha * x : x;
    case ACT_SIGMOID: return 1.f / (1.f + expf(-x));
    case ACT_ELU: return x < 0.f ? expm1f(x) : x;
    default: return x;
  }
}

/*
 * matmul(heap, aOffsets, bOffsets, cOffset, m, n, k, transA, transB,
 *        biasOffset, biasSize, activation, alpha, preluOffset, preluSize)
 * For batch i (aOffsets.length batches): C_i = op(A_i) · op(B_i), C batches contiguous from
 * cOffset. op(A) is m×k (A stored k×m when transA), op(B) is k×n (B stored n×k when transB).
 * Then, when biasOffset >= 0, C += bias (bias of size n per column, or size 1); then the
 * activation (prelu weights: size n per column, or size 1).
 */
static napi_value matmul(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 15;
  napi_value argv[15];
  napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL);
  if (argc != 15) return throw_error(env, "matmul: expected 15 arguments");
  Heap heap;
  if (!get_heap(env, argv[0], &heap)) return throw_error(env, "matmul: argument 1 must be the wasm heap (a typed array or ArrayBuffer)");
  const double *a_offsets, *b_offsets;
  size_t batches, b_count;
  if (!get_f64_array(env, argv[1], &a_offsets, &batches) || !get_f64_array(env, argv[2], &b_offsets, &b_count) || b_count != batches) {
    return throw_error(env, "matmul: aOffsets and bOffsets must be Float64Arrays of the same length");
  }
  int64_t c_offset, m, n, k, act, bias_size, prelu_size;
  double bias_offset, prelu_offset, alpha, trans_a, trans_b;
  if (!get_i64(env, argv[3], &c_offset) || !get_i64(env, argv[4], &m) || !get_i64(env, argv[5], &n) || !get_i64(env, argv[6], &k) ||
      !get_flag(env, argv[7], &trans_a) || !get_flag(env, argv[8], &trans_b) || !get_f64(env, argv[9], &bias_offset) ||
      !get_i64(env, argv[10], &bias_size) || !get_i64(env, argv[11], &act) || !get_f64(env, argv[12], &alpha) ||
      !get_f64(env, argv[13], &prelu_offset) || !get_i64(env, argv[14], &prelu_size)) {
    return throw_error(env, "matmul: offsets, sizes and the activation must be non-negative whole numbers, transposes booleans");
  }
  if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) return throw_range(env, "matmul: a dimension exceeds 2^31-1");
  if (act < ACT_LINEAR || act > ACT_ELU) return throw_range(env, "matmul: unknown activation");
  const int ta = trans_a != 0, tb = trans_b != 0;
  float *c = floats_at(&heap, (double)c_offset, (double)batches * (double)m * (double)n);
  if (!c) return throw_range(env, "matmul: the output lies outside the heap (or is not 4-byte aligned)");
  const float *bias = NULL, *prelu = NULL;
  if (bias_offset >= 0) {
    if (bias_size != n && bias_size != 1) return throw_range(env, "matmul: bias must have size n or 1");
    bias = floats_at(&heap, bias_offset, (double)bias_size);
    if (!bias) return throw_range(env, "matmul: the bias lies outside the heap (or is not 4-byte aligned)");
  }
  if (act == ACT_PRELU) {
    if (prelu_size != n && prelu_size != 1) return throw_range(env, "matmul: prelu weights must have size n or 1");
    prelu = floats_at(&heap, prelu_offset, (double)prelu_size);
    if (!prelu) return throw_range(env, "matmul: the prelu weights lie outside the heap");
  }
  for (size_t i = 0; i < batches; i++) {
    if (!floats_at(&heap, a_offsets[i], (double)m * (double)k) || !floats_at(&heap, b_offsets[i], (double)k * (double)n)) {
      return throw_range(env, "matmul: an operand lies outside the heap (or is not 4-byte aligned)");
    }
  }
  const int lda = ta ? (int)m : (int)k;
  const int ldb = tb ? (int)k : (int)n;
  const size_t mn = (size_t)m * (size_t)n;
  for (size_t i = 0; i < batches; i++) {
    const float *a = (const float *)(heap.data + (size_t)a_offsets[i]);
    const float *b = (const float *)(heap.data + (size_t)b_offsets[i]);
    float *ci = c + i * mn;
    if (k == 0) {
      memset(ci, 0, mn * sizeof(float));
    } else if (m > 0 && n > 0) {
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, lda, b, ldb, 0.0f, ci, (int)n);
    }
  }
  if (bias || act != ACT_LINEAR) {
    const size_t rows = batches * (size_t)m;
    const float a32 = (float)alpha;
    for (size_t r = 0; r < rows; r++) {
      float *row = c + r * (size_t)n;
      for (int64_t j = 0; j < n; j++) {
        float x = row[j];
        if (bias) x += bias[bias_size == 1 ? 0 : j];
        row[j] = activate((int)act, x, a32, prelu ? prelu[prelu_size == 1 ? 0 : j] : 0.f);
      }
    }
  }
  return NULL;
}

/* ---- gradient norm ----------------------------------------------------------------------- */

/* sumSquares(heap, offsets, sizes) -> the sum of squares of all the tensors, accumulated in double. */
static napi_value sum_squares(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL);
  Heap heap;
  const double *offsets, *sizes;
  size_t count, count2;
  if (argc != 3 || !get_heap(env, argv[0], &heap) || !get_f64_array(env, argv[1], &offsets, &count) ||
      !get_f64_array(env, argv[2], &sizes, &count2) || count != count2) {
    return throw_error(env, "sumSquares(heap, offsets, sizes): offsets and sizes must be Float64Arrays of one length");
  }
  double total = 0;
  for (size_t t = 0; t < count; t++) {
    const float *x = floats_at(&heap, offsets[t], sizes[t]);
    if (!x) return throw_range(env, "sumSquares: a tensor lies outside the heap (or is not 4-byte aligned)");
    /* Four partial sums: the loop vectorises and the rounding stays close to a pairwise sum. */
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t size = (size_t)sizes[t], i = 0;
    for (; i + 4 <= size; i += 4) {
      s0 += (double)x[i] * x[i];
      s1 += (double)x[i + 1] * x[i + 1];
      s2 += (double)x[i + 2] * x[i + 2];
      s3 += (double)x[i + 3] * x[i + 3];
    }
    for (; i < size; i++) s0 += (double)x[i] * x[i];
    total += (s0 + s1) + (s2 + s3);
  }
  napi_value result;
  napi_create_double(env, total, &result);
  return result;
}

/* ---- AdamW / Adam ------------------------------------------------------------------------ */

/*
 * adam(heap, params, paramsOut, grads, expAvg, expAvgSq, sizes, weightDecays, biasCorrections1,
 *      biasCorrections2Sqrt, lr, beta1, beta2, eps, gradScale, decoupled)
 * One torch.optim.AdamW (decoupled = 1) or Adam (decoupled = 0) step over every tensor. The
 * moments are updated in place; the new parameters go to paramsOut (which may equal params:
 * the caller writes them to fresh memory so that no cache keyed on the old tensor goes stale).
 * The per-tensor arrays are Float64Arrays of one length (byte offsets, element counts, weight
 * decays, 1-β1^step and sqrt(1-β2^step)). gradScale is the clipping coefficient (1: none).
 */
static napi_value adam(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 16;
  napi_value argv[16];
  napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL);
  if (argc != 16) return throw_error(env, "adam: expected 16 arguments");
  Heap heap;
  if (!get_heap(env, argv[0], &heap)) return throw_error(env, "adam: argument 1 must be the wasm heap");
  const double *arrays[9];
  size_t count = 0;
  for (int i = 0; i < 9; i++) {
    size_t len;
    if (!get_f64_array(env, argv[1 + i], &arrays[i], &len) || (i > 0 && len != count)) {
      return throw_error(env, "adam: the per-tensor arguments must be Float64Arrays of one length");
    }
    count = len;
  }
  double lr, beta1, beta2, eps, scale, decoupled;
  if (!get_f64(env, argv[10], &lr) || !get_f64(env, argv[11], &beta1) || !get_f64(env, argv[12], &beta2) ||
      !get_f64(env, argv[13], &eps) || !get_f64(env, argv[14], &scale) || !get_flag(env, argv[15], &decoupled)) {
    return throw_error(env, "adam: lr, beta1, beta2, eps, gradScale and decoupled must be numbers");
  }
  const double *p_off = arrays[0], *q_off = arrays[1], *g_off = arrays[2], *m_off = arrays[3], *v_off = arrays[4];
  const double *sizes = arrays[5], *decays = arrays[6], *bc1 = arrays[7], *bc2 = arrays[8];
  for (size_t t = 0; t < count; t++) {
    if (!floats_at(&heap, p_off[t], sizes[t]) || !floats_at(&heap, q_off[t], sizes[t]) || !floats_at(&heap, g_off[t], sizes[t]) ||
        !floats_at(&heap, m_off[t], sizes[t]) || !floats_at(&heap, v_off[t], sizes[t])) {
      return throw_range(env, "adam: a tensor lies outside the heap (or is not 4-byte aligned)");
    }
  }
  /* The same float32 operations, in the same order, as the tfjs rule in optimizers/rules.ts. */
  const float b1 = (float)beta1, b2 = (float)beta2, e = (float)eps;
  for (size_t t = 0; t < count; t++) {
    const float *p = (const float *)(heap.data + (size_t)p_off[t]);
    float *q = (float *)(heap.data + (size_t)q_off[t]);
    const float *g = (const float *)(heap.data + (size_t)g_off[t]);
    float *m = (float *)(heap.data + (size_t)m_off[t]);
    float *v = (float *)(heap.data + (size_t)v_off[t]);
    const size_t size = (size_t)sizes[t];
    const double wd = decays[t];
    const float step_size = (float)(lr / bc1[t]);
    const float bc2s = (float)bc2[t];
    if (decoupled != 0 || wd == 0) {
      const float keep = (float)(1.0 - lr * wd);
      const float m_factor = (float)scale * (float)(1.0 - beta1);
      const float v_factor = ((float)scale * (float)scale) * (float)(1.0 - beta2);
      const int decay = wd != 0;
      for (size_t i = 0; i < size; i++) {
        const float gi = g[i];
        const float mi = m[i] * b1 + gi * m_factor;
        const float vi = v[i] * b2 + (gi * gi) * v_factor;
        const float pi = decay ? p[i] * keep : p[i];
        m[i] = mi;
        v[i] = vi;
        q[i] = pi - (mi / (sqrtf(vi) / bc2s + e)) * step_size;
      }
    } else {
      /* Adam's L2 decay: the clipped gradient plus wd·p. */
      const float s = (float)scale, w = (float)wd;
      const float m_factor = (float)(1.0 - beta1), v_factor = (float)(1.0 - beta2);
      for (size_t i = 0; i < size; i++) {
        const float gi = g[i] * s + p[i] * w;
        const float mi = m[i] * b1 + gi * m_factor;
        const float vi = v[i] * b2 + (gi * gi) * v_factor;
        m[i] = mi;
        v[i] = vi;
        q[i] = p[i] - (mi / (sqrtf(vi) / bc2s + e)) * step_size;
      }
    }
  }
  return NULL;
}

/* ---- element-wise ------------------------------------------------------------------------ */

enum { UNARY_EXP = 0, UNARY_ERF = 1 };

/* unary(heap, op, inOffset, outOffset, size): out = exp(x) (op 0) or erf(x) (op 1), glibc's float versions. */
static napi_value unary(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL);
  Heap heap;
  int64_t op, in_offset, out_offset, size;
  if (argc != 5 || !get_heap(env, argv[0], &heap) || !get_i64(env, argv[1], &op) || !get_i64(env, argv[2], &in_offset) ||
      !get_i64(env, argv[3], &out_offset) || !get_i64(env, argv[4], &size)) {
    return throw_error(env, "unary(heap, op, inOffset, outOffset, size): whole non-negative numbers expected");
  }
  if (op != UNARY_EXP && op != UNARY_ERF) return throw_range(env, "unary: unknown op");
  const float *x = floats_at(&heap, (double)in_offset, (double)size);
  float *y = floats_at(&heap, (double)out_offset, (double)size);
  if (!x || !y) return throw_range(env, "unary: a tensor lies outside the heap (or is not 4-byte aligned)");
  if (op == UNARY_EXP) {
    for (int64_t i = 0; i < size; i++) y[i] = expf(x[i]);
  } else {
    for (int64_t i = 0; i < size; i++) y[i] = erff(x[i]);
  }
  return NULL;
}

/* ---- fused transformer kernels (backends/fused) ------------------------------------------ */

/*
 * Reads argv[from .. from+count) as non-negative whole numbers (byte offsets, sizes). Returns 0
 * (with a JavaScript error thrown) when one is not.
 */
static int whole_args(napi_env env, const napi_value *argv, size_t from, size_t count, int64_t *out, const char *name) {
  for (size_t i = 0; i < count; i++) {
    if (!get_i64(env, argv[from + i], &out[i])) {
      char message[160];
      snprintf(message, sizeof message, "%s: argument %zu must be a non-negative whole number (a byte offset or a size)", name, from + i + 1);
      throw_error(env, message);
      return 0;
    }
  }
  return 1;
}

/* Parses (heap, whole numbers..., then `extra` plain numbers) for the fused kernels. */
static int fused_args(napi_env env, napi_callback_info cbinfo, size_t wholes, size_t extra, Heap *heap, int64_t *w, double *x, const char *name) {
  napi_value argv[MAX_ARGS];
  size_t argc = MAX_ARGS;
  napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL);
  if (argc != 1 + wholes + extra) {
    char message[120];
    snprintf(message, sizeof message, "%s: expected %zu arguments, got %zu", name, 1 + wholes + extra, argc);
    throw_error(env, message);
    return 0;
  }
  if (!get_heap(env, argv[0], heap)) {
    throw_error(env, "fused kernel: argument 1 must be the wasm heap (a typed array or ArrayBuffer)");
    return 0;
  }
  if (!whole_args(env, argv, 1, wholes, w, name)) return 0;
  for (size_t i = 0; i < extra; i++) {
    if (!get_f64(env, argv[1 + wholes + i], &x[i])) {
      throw_error(env, "fused kernel: epsilon, scale and flags must be numbers");
      return 0;
    }
  }
  return 1;
}

/* `count` floats at byte offset `offset`, or NULL with a RangeError thrown. */
static float *tensor_at(napi_env env, const Heap *heap, int64_t offset, double count, const char *what) {
  float *p = floats_at(heap, (double)offset, count);
  if (!p) {
    char message[160];
    snprintf(message, sizeof message, "%s lies outside the heap (or is not 4-byte aligned)", what);
    throw_range(env, message);
  }
  return p;
}

/*
 * layerNorm(heap, x, gamma, beta, y, mean, invStd, rows, h, epsilon): per row, mean and variance
 * (biased, as torch) accumulated in double; y = (x - mean)·invStd·gamma + beta in float32.
 */
static napi_value layer_norm(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[8];
  double eps;
  if (!fused_args(env, cbinfo, 8, 1, &heap, a, &eps, "layerNorm")) return NULL;
  const int64_t rows = a[6], h = a[7];
  const double size = (double)rows * (double)h;
  const float *x = tensor_at(env, &heap, a[0], size, "layerNorm: x");
  const float *gamma = x ? tensor_at(env, &heap, a[1], (double)h, "layerNorm: gamma") : NULL;
  const float *beta = gamma ? tensor_at(env, &heap, a[2], (double)h, "layerNorm: beta") : NULL;
  float *y = beta ? tensor_at(env, &heap, a[3], size, "layerNorm: y") : NULL;
  float *mean = y ? tensor_at(env, &heap, a[4], (double)rows, "layerNorm: mean") : NULL;
  float *inv = mean ? tensor_at(env, &heap, a[5], (double)rows, "layerNorm: invStd") : NULL;
  if (!inv || h == 0) return NULL;
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * h;
    float *yr = y + r * h;
    double sum = 0;
    for (int64_t j = 0; j < h; j++) sum += xr[j];
    const double mu = sum / (double)h;
    double sq = 0;
    for (int64_t j = 0; j < h; j++) {
      const double d = xr[j] - mu;
      sq += d * d;
    }
    const float m = (float)mu;
    const float s = (float)(1.0 / sqrt(sq / (double)h + eps));
    mean[r] = m;
    inv[r] = s;
    for (int64_t j = 0; j < h; j++) yr[j] = (xr[j] - m) * s * gamma[j] + beta[j];
  }
  return NULL;
}

/*
 * layerNormGrad(heap, dy, x, gamma, mean, invStd, dx, dgamma, dbeta, rows, h):
 * dx = invStd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·gamma, x̂ = (x − mean)·invStd;
 * dgamma = Σ_rows dy·x̂, dbeta = Σ_rows dy (accumulated in double).
 */
static napi_value layer_norm_grad(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[10];
  if (!fused_args(env, cbinfo, 10, 0, &heap, a, NULL, "layerNormGrad")) return NULL;
  const int64_t rows = a[8], h = a[9];
  const double size = (double)rows * (double)h;
  const float *dy = tensor_at(env, &heap, a[0], size, "layerNormGrad: dy");
  const float *x = dy ? tensor_at(env, &heap, a[1], size, "layerNormGrad: x") : NULL;
  const float *gamma = x ? tensor_at(env, &heap, a[2], (double)h, "layerNormGrad: gamma") : NULL;
  const float *mean = gamma ? tensor_at(env, &heap, a[3], (double)rows, "layerNormGrad: mean") : NULL;
  const float *inv = mean ? tensor_at(env, &heap, a[4], (double)rows, "layerNormGrad: invStd") : NULL;
  float *dx = inv ? tensor_at(env, &heap, a[5], size, "layerNormGrad: dx") : NULL;
  float *dgamma = dx ? tensor_at(env, &heap, a[6], (double)h, "layerNormGrad: dgamma") : NULL;
  float *dbeta = dgamma ? tensor_at(env, &heap, a[7], (double)h, "layerNormGrad: dbeta") : NULL;
  if (!dbeta) return NULL;
  double *acc = (double *)calloc((size_t)(2 * h + 1), sizeof(double));
  if (!acc) return throw_error(env, "layerNormGrad: out of memory");
  double *ag = acc, *ab = acc + h;
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * h, *xr = x + r * h;
    float *dxr = dx + r * h;
    const float m = mean[r], s = inv[r];
    double sum_g = 0, sum_gx = 0;
    for (int64_t j = 0; j < h; j++) {
      const float xhat = (xr[j] - m) * s;
      const float g = dyr[j] * gamma[j];
      sum_g += g;
      sum_gx += (double)g * xhat;
      ag[j] += (double)dyr[j] * xhat;
      ab[j] += dyr[j];
    }
    const float mg = (float)(sum_g / (double)h), mgx = (float)(sum_gx / (double)h);
    for (int64_t j = 0; j < h; j++) {
      const float xhat = (xr[j] - m) * s;
      dxr[j] = s * (dyr[j] * gamma[j] - mg - xhat * mgx);
    }
  }
  for (int64_t j = 0; j < h; j++) {
    dgamma[j] = (float)ag[j];
    dbeta[j] = (float)ab[j];
  }
  free(acc);
  return NULL;
}

/* rmsNorm(heap, x, weight, y, invRms, rows, h, epsilon): y = x·invRms·weight, invRms = 1/sqrt(mean(x²) + eps). */
static napi_value rms_norm(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[6];
  double eps;
  if (!fused_args(env, cbinfo, 6, 1, &heap, a, &eps, "rmsNorm")) return NULL;
  const int64_t rows = a[4], h = a[5];
  const double size = (double)rows * (double)h;
  const float *x = tensor_at(env, &heap, a[0], size, "rmsNorm: x");
  const float *w = x ? tensor_at(env, &heap, a[1], (double)h, "rmsNorm: weight") : NULL;
  float *y = w ? tensor_at(env, &heap, a[2], size, "rmsNorm: y") : NULL;
  float *inv = y ? tensor_at(env, &heap, a[3], (double)rows, "rmsNorm: invRms") : NULL;
  if (!inv || h == 0) return NULL;
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = x + r * h;
    float *yr = y + r * h;
    double sq = 0;
    for (int64_t j = 0; j < h; j++) sq += (double)xr[j] * xr[j];
    const float s = (float)(1.0 / sqrt(sq / (double)h + eps));
    inv[r] = s;
    for (int64_t j = 0; j < h; j++) yr[j] = xr[j] * s * w[j];
  }
  return NULL;
}

/* rmsNormGrad(heap, dy, x, weight, invRms, dx, dweight, rows, h): dx = s·(g − s²·x·mean(g·x)), g = dy·weight; dweight = Σ dy·x·s. */
static napi_value rms_norm_grad(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[8];
  if (!fused_args(env, cbinfo, 8, 0, &heap, a, NULL, "rmsNormGrad")) return NULL;
  const int64_t rows = a[6], h = a[7];
  const double size = (double)rows * (double)h;
  const float *dy = tensor_at(env, &heap, a[0], size, "rmsNormGrad: dy");
  const float *x = dy ? tensor_at(env, &heap, a[1], size, "rmsNormGrad: x") : NULL;
  const float *w = x ? tensor_at(env, &heap, a[2], (double)h, "rmsNormGrad: weight") : NULL;
  const float *inv = w ? tensor_at(env, &heap, a[3], (double)rows, "rmsNormGrad: invRms") : NULL;
  float *dx = inv ? tensor_at(env, &heap, a[4], size, "rmsNormGrad: dx") : NULL;
  float *dw = dx ? tensor_at(env, &heap, a[5], (double)h, "rmsNormGrad: dweight") : NULL;
  if (!dw) return NULL;
  double *acc = (double *)calloc((size_t)(h + 1), sizeof(double));
  if (!acc) return throw_error(env, "rmsNormGrad: out of memory");
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * h, *xr = x + r * h;
    float *dxr = dx + r * h;
    const float s = inv[r];
    double sum_gx = 0;
    for (int64_t j = 0; j < h; j++) {
      sum_gx += (double)(dyr[j] * w[j]) * xr[j];
      acc[j] += (double)dyr[j] * (xr[j] * s);
    }
    const float k = s * s * (float)(sum_gx / (double)h);
    for (int64_t j = 0; j < h; j++) dxr[j] = s * (dyr[j] * w[j] - xr[j] * k);
  }
  for (int64_t j = 0; j < h; j++) dw[j] = (float)acc[j];
  free(acc);
  return NULL;
}

/*
 * maskedSoftmax(heap, scores, mask, probs, d0, d1, d2, d3, m0, m1, m2, m3, maskSize, scale):
 * probs = softmax(scores·scale + mask) over the last axis of the 4-D scores [d0, d1, d2, d3]; the
 * mask is read with element strides m0..m3 (0 along a broadcast axis).
 */
static napi_value masked_softmax(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[12];
  double scale_d;
  if (!fused_args(env, cbinfo, 12, 1, &heap, a, &scale_d, "maskedSoftmax")) return NULL;
  const int64_t d0 = a[3], d1 = a[4], d2 = a[5], d3 = a[6], m0 = a[7], m1 = a[8], m2 = a[9], m3 = a[10], mask_size = a[11];
  const double size = (double)d0 * d1 * d2 * d3;
  const float *scores = tensor_at(env, &heap, a[0], size, "maskedSoftmax: scores");
  const float *mask = scores ? tensor_at(env, &heap, a[1], (double)mask_size, "maskedSoftmax: mask") : NULL;
  float *probs = mask ? tensor_at(env, &heap, a[2], size, "maskedSoftmax: probs") : NULL;
  if (!probs || d3 == 0) return NULL;
  /* The largest mask index read must lie inside the mask. */
  const double last = (double)(d0 - 1) * m0 + (double)(d1 - 1) * m1 + (double)(d2 - 1) * m2 + (double)(d3 - 1) * m3;
  if (size > 0 && last >= (double)mask_size) return throw_range(env, "maskedSoftmax: the mask strides read past the mask");
  const float scale = (float)scale_d;
  for (int64_t i0 = 0; i0 < d0; i0++) {
    for (int64_t i1 = 0; i1 < d1; i1++) {
      for (int64_t i2 = 0; i2 < d2; i2++) {
        const int64_t row = (i0 * d1 + i1) * d2 + i2;
        const float *s = scores + row * d3;
        const float *m = mask + i0 * m0 + i1 * m1 + i2 * m2;
        float *p = probs + row * d3;
        float max = -INFINITY;
        for (int64_t j = 0; j < d3; j++) {
          const float z = s[j] * scale + m[j * m3];
          p[j] = z;
          if (z > max) max = z;
        }
        float sum = 0;
        for (int64_t j = 0; j < d3; j++) {
          const float e = expf(p[j] - max);
          p[j] = e;
          sum += e;
        }
        const float inv = 1.0f / sum;
        for (int64_t j = 0; j < d3; j++) p[j] *= inv;
      }
    }
  }
  return NULL;
}

/* maskedSoftmaxGrad(heap, dy, probs, dscores, rows, cols, scale): dscores = scale·p·(dy − Σ dy·p). */
static napi_value masked_softmax_grad(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[5];
  double scale_d;
  if (!fused_args(env, cbinfo, 5, 1, &heap, a, &scale_d, "maskedSoftmaxGrad")) return NULL;
  const int64_t rows = a[3], cols = a[4];
  const double size = (double)rows * (double)cols;
  const float *dy = tensor_at(env, &heap, a[0], size, "maskedSoftmaxGrad: dy");
  const float *p = dy ? tensor_at(env, &heap, a[1], size, "maskedSoftmaxGrad: probs") : NULL;
  float *ds = p ? tensor_at(env, &heap, a[2], size, "maskedSoftmaxGrad: dscores") : NULL;
  if (!ds) return NULL;
  const float scale = (float)scale_d;
  for (int64_t r = 0; r < rows; r++) {
    const float *dyr = dy + r * cols, *pr = p + r * cols;
    float *dsr = ds + r * cols;
    float dot = 0;
    for (int64_t j = 0; j < cols; j++) dot += dyr[j] * pr[j];
    for (int64_t j = 0; j < cols; j++) dsr[j] = pr[j] * (dyr[j] - dot) * scale;
  }
  return NULL;
}

#define SQRT_2_OVER_PI 0.7978845608028654f
#define GELU_C 0.044715f
#define SQRT1_2F 0.70710678118654752f

/* gelu(heap, x, y, size, approximate): approximate 0 is erf GELU, 1 the tanh approximation. */
static napi_value gelu(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[3];
  double approximate;
  if (!fused_args(env, cbinfo, 3, 1, &heap, a, &approximate, "gelu")) return NULL;
  const int64_t n = a[2];
  const float *x = tensor_at(env, &heap, a[0], (double)n, "gelu: x");
  float *y = x ? tensor_at(env, &heap, a[1], (double)n, "gelu: y") : NULL;
  if (!y) return NULL;
  if (approximate == 0) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * 0.5f * (1.0f + erff(x[i] * SQRT1_2F));
  } else {
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      y[i] = 0.5f * v * (1.0f + tanhf(SQRT_2_OVER_PI * (v + GELU_C * v * v * v)));
    }
  }
  return NULL;
}

/* geluGrad(heap, dy, x, dx, size, approximate): dx = dy·GELU'(x). */
static napi_value gelu_grad(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[4];
  double approximate;
  if (!fused_args(env, cbinfo, 4, 1, &heap, a, &approximate, "geluGrad")) return NULL;
  const int64_t n = a[3];
  const float *dy = tensor_at(env, &heap, a[0], (double)n, "geluGrad: dy");
  const float *x = dy ? tensor_at(env, &heap, a[1], (double)n, "geluGrad: x") : NULL;
  float *dx = x ? tensor_at(env, &heap, a[2], (double)n, "geluGrad: dx") : NULL;
  if (!dx) return NULL;
  if (approximate == 0) {
    const float inv_sqrt_2pi = 0.3989422804014327f;
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      const float cdf = 0.5f * (1.0f + erff(v * SQRT1_2F));
      dx[i] = dy[i] * (cdf + v * inv_sqrt_2pi * expf(-0.5f * v * v));
    }
  } else {
    for (int64_t i = 0; i < n; i++) {
      const float v = x[i];
      const float t = tanhf(SQRT_2_OVER_PI * (v + GELU_C * v * v * v));
      const float dz = SQRT_2_OVER_PI * (1.0f + 3.0f * GELU_C * v * v);
      dx[i] = dy[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * dz);
    }
  }
  return NULL;
}

/* swiGlu(heap, gate, up, y, size): y = gate·σ(gate)·up. */
static napi_value swiglu(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[4];
  if (!fused_args(env, cbinfo, 4, 0, &heap, a, NULL, "swiGlu")) return NULL;
  const int64_t n = a[3];
  const float *g = tensor_at(env, &heap, a[0], (double)n, "swiGlu: gate");
  const float *u = g ? tensor_at(env, &heap, a[1], (double)n, "swiGlu: up") : NULL;
  float *y = u ? tensor_at(env, &heap, a[2], (double)n, "swiGlu: y") : NULL;
  if (!y) return NULL;
  for (int64_t i = 0; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
  return NULL;
}

/* swiGluGrad(heap, dy, gate, up, dgate, dup, size): dgate = dy·up·σ(g)(1 + g(1 − σ(g))), dup = dy·g·σ(g). */
static napi_value swiglu_grad(napi_env env, napi_callback_info cbinfo) {
  Heap heap;
  int64_t a[6];
  if (!fused_args(env, cbinfo, 6, 0, &heap, a, NULL, "swiGluGrad")) return NULL;
  const int64_t n = a[5];
  const float *dy = tensor_at(env, &heap, a[0], (double)n, "swiGluGrad: dy");
  const float *g = dy ? tensor_at(env, &heap, a[1], (double)n, "swiGluGrad: gate") : NULL;
  const float *u = g ? tensor_at(env, &heap, a[2], (double)n, "swiGluGrad: up") : NULL;
  float *dg = u ? tensor_at(env, &heap, a[3], (double)n, "swiGluGrad: dgate") : NULL;
  float *du = dg ? tensor_at(env, &heap, a[4], (double)n, "swiGluGrad: dup") : NULL;
  if (!du) return NULL;
  for (int64_t i = 0; i < n; i++) {
    const float gi = g[i], sig = 1.0f / (1.0f + expf(-gi));
    dg[i] = dy[i] * u[i] * sig * (1.0f + gi * (1.0f - sig));
    du[i] = dy[i] * gi * sig;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"info", NULL, info, NULL, NULL, NULL, napi_default, NULL},
    {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
    {"matmul", NULL, matmul, NULL, NULL, NULL, napi_default, NULL},
    {"sumSquares", NULL, sum_squares, NULL, NULL, NULL, napi_default, NULL},
    {"adam", NULL, adam, NULL, NULL, NULL, napi_default, NULL},
    {"unary", NULL, unary, NULL, NULL, NULL, napi_default, NULL},
    {"layerNorm", NULL, layer_norm, NULL, NULL, NULL, napi_default, NULL},
    {"layerNormGrad", NULL, layer_norm_grad, NULL, NULL, NULL, napi_default, NULL},
    {"rmsNorm", NULL, rms_norm, NULL, NULL, NULL, napi_default, NULL},
    {"rmsNormGrad", NULL, rms_norm_grad, NULL, NULL, NULL, napi_default, NULL},
    {"maskedSoftmax", NULL, masked_softmax, NULL, NULL, NULL, napi_default, NULL},
    {"maskedSoftmaxGrad", NULL, masked_softmax_grad, NULL, NULL, NULL, napi_default, NULL},
    {"gelu", NULL, gelu, NULL, NULL, NULL, napi_default, NULL},
    {"geluGrad", NULL, gelu_grad, NULL, NULL, NULL, napi_default, NULL},
    {"swiGlu", NULL, swiglu, NULL, NULL, NULL, napi_default, NULL},
    {"swiGluGrad", NULL, swiglu_grad, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)

/**
 * glibc's `exp` (x86-64, FMA code path), bit for bit. CPython's `math.exp` and numpy's scalar-loop
 * `np.exp` call it, so perplexities and mc2 probabilities must use this, not `Math.exp`: V8's exp
 * differs from glibc's in the last bit for about 1 input in 10, a correctly rounded exp for about 1 in 1000.
 *
 * Algorithm (facts of glibc ≥ 2.28 `e_exp.c`, from ARM optimized-routines): exp(x) = 2^(k/128)·exp(r),
 * 2^(j/128) ≈ H[j]·(1 + T[j]), degree-5 polynomial for exp(r) − 1 − r, with the multiply-adds that
 * GCC contracts to FMA on CPUs with FMA3 (glibc selects that build at run time; its x < -512 path
 * stays unfused). Checked against
 * CPython 3.11/3.13 `math.exp` on glibc 2.36 with FMA: tests/core/fixtures/metrics/gen_metrics.py.
 * Without FMA (pre-2013 x86) glibc differs from this in ~0.07% of inputs by one ulp.
 */

/** 2^(j/128) rounded to double, then the relative tail (2^(j/128) − H) / H rounded; j = 0..127 (generated). */
export const EXP_TABLE: readonly number[] = [
  1.0, 0.0, 1.0054299011128027, 9.447885451727066e-17, 1.0108892860517005, -1.507066976926039e-17,
  1.016378314910953, -5.679155082825012e-17, 1.0218971486541166, 4.9997448722726326e-17, 1.0274459491187637, -4.823683599994895e-17,
  1.0330248790212284, 7.357846871247418e-18, 1.0386341019613787, 5.773230223741951e-17, 1.0442737824274138, 8.189317638195515e-17,
  1.0499440858006872, 5.326891139980878e-17, 1.0556451783605572, 1.6665881442326747e-18, 1.061377227289262, -1.128113245461828e-17,
  1.0671404006768237, -7.402825309426177e-17, 1.0729348675259756, -3.578659767309563e-18, 1.0787607977571199, -6.170654745608695e-17,
  1.0846183622133092, 2.919139999949279e-17, 1.0905077326652577, -2.7939114859515733e-17, 1.0964290818163769, -5.399285355184285e-17,
  1.102382583307841, 4.776959425256223e-17, 1.1083684117236787, -7.927701432338473e-17, 1.1143867425958924, 9.341710609905046e-17,
  1.1204377524096067, -5.534520675707472e-17, 1.1265216186082418, 4.585670326662351e-17, 1.1326385195987192, 2.8582430411116143e-17,
  1.1387886347566916, 7.826573258636076e-17, 1.1449721444318042, 4.053626906769216e-17, 1.1511892299529827, 2.823784425951061e-17,
  1.1574400736337511, -7.882802262487991e-17, 1.1637248587775775, 3.2904726646008416e-17, 1.1700437696832502, -1.5792094703347882e-18,
  1.1763969916502812, 4.721368121170128e-17, 1.182784710984341, 1.3045277096919659e-17, 1.189207115002721, 3.3484623336251524e-17,
  1.1956643920398273, 3.8611199774925664e-17, 1.202156731452703, 5.527550048505249e-17, 1.2086843236265816, -3.927184172445234e-17,
  1.215247359980469, -6.346552106729483e-17, 1.2218460329727576, -8.684417614865944e-17, 1.22848053610687, -1.5456342819397733e-17,
  1.2351510639369334, -8.70763476495455e-17, 1.241857812073484, 3.750854201303127e-17, 1.2486009771892048, -6.616854503526488e-17,
  1.255380757024691, -5.346099009198751e-18, 1.2621973503942507, -2.443726321015018e-17, 1.2690509571917332, 2.1023049675215714e-18,
  1.275941778396392, 7.771067937501065e-17, 1.2828700160787783, 1.3357510088834541e-17, 1.2898358734066657, 6.938291696959204e-17,
  1.2968395546510096, 1.9572585293112036e-17, 1.3038812651919358, 6.632256961675804e-17, 1.3109612115247644, -5.478069123926778e-17,
  1.318079601266064, -4.140839310392624e-17, 1.3252366431597413, -2.1571477251208752e-17, 1.3324325470831615, -3.8287766552120535e-17,
  1.339667524053303, 6.663804589232195e-17, 1.3469417862329458, 2.3936187400285282e-17, 1.3542555469368927, 5.68648095791174e-17,
  1.3616090206382248, 1.1264523354521684e-18, 1.3690024229745905, 7.007875046906994e-17, 1.3764359707545302, -5.0119214278381254e-17,
  1.383909881963832, -4.8923067513522756e-17, 1.3914243757719262, -3.5260089953269434e-17, 1.3989796725383112, -6.872303720902018e-17,
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: a table row; 1.4142135623730951 is its 2^(32/64) entry
  1.4065759938190154, 5.001446664133532e-18, 1.4142135623730951, -6.835808657661922e-17, 1.4218926021691656, -1.1307344092910212e-17,
  1.42961333839197, -8.416011634717156e-18, 1.4373759974489824, -2.9247977035436566e-17, 1.4451808069770467, -2.092304381843353e-17,
  1.4530279958490526, -3.9778645875427124e-17, 1.460917794180647, -3.833464968654295e-17, 1.4688504333369818, 5.763611164480894e-17,
  1.4768261459394993, -2.3591094770850053e-17, 1.4848451658727524, 7.260074661098575e-17, 1.4929077282912648, 9.50689710108796e-18,
  1.5010140696264256, -4.272956133839906e-17, 1.5091644275934228, -6.735219232374683e-17, 1.5173590411982147, -2.8396044410430936e-17,
  1.5255981507445384, -7.226635472101257e-17, 1.533881997840956, 5.786121003395918e-17, 1.5422108254079407, 5.1548301170786783e-17,
  1.550584877685, -9.416257568878152e-18, 1.559004400237837, 2.4253985766689806e-17, 1.567469639965553, -6.604314051707707e-17,
  1.5759808451078865, -6.432131775424189e-18, 1.5845382652524937, -1.2204007601863921e-17, 1.593142151342267, -6.336161863401293e-17,
  1.6017927556826934, -3.7800879246373815e-17, 1.6104903319492543, 1.5341410053603723e-17, 1.6192351351948637, 1.2932855580427452e-17,
  1.6280274218573478, -4.123367330661149e-17, 1.6368674497669644, 4.703083974463456e-17, 1.645755478153965, -6.152602891550265e-17,
  1.6546917676561943, 5.827849326195279e-17, 1.6636765803267364, 3.540948262646183e-17, 1.6727101796415966, -3.2741571320938764e-17,
  1.681792830507429, 4.875160526227062e-17, 1.6909247992693053, -5.718569790077838e-17, 1.7001063537185235, -4.719539664590972e-18,
  1.709337763100463, -5.773451958805706e-17, 1.718619298122478, -1.0772487078934056e-17, 1.7279512309618377, -6.221808618533911e-17,
  1.7373338352737062, 1.821405440362259e-17, 1.746767386199169, -6.155536546227639e-17, 1.7562521603732995, 1.685487290628973e-17,
  1.7657884359332727, 5.3581249177694816e-17, 1.7753764925265212, 3.621615935336894e-17, 1.785016611318935, 8.588379527574144e-18,
  1.7947090750031072, 1.01562190116415e-17, 1.804454167806624, -2.869134889187244e-17, 1.8142521755003989, -5.495118966122005e-17,
  1.8241033854070534, -5.56965572431627e-17, 1.8340080864093424, 1.790126907604513e-17, 1.843966568958626, -3.2211766346200164e-17,
  1.8539791250833855, 5.265370768556274e-17, 1.864046048397789, 3.5089866402403033e-17, 1.8741676341103, -3.266924100901318e-17,
  1.8843441790323345, -4.3657593008079375e-17, 1.8945759815869656, 1.7963932659833022e-17, 1.9048633418176741, 3.4300925275214166e-17,
  1.9152065613971474, -5.545065618639427e-17, 1.925605943636125, -5.149009745457733e-17, 1.9360617934922943, 5.336805878514151e-17,
  1.9465744175792332, 3.498978661192973e-17, 1.9571441241754002, 4.5784915277060095e-17, 1.9677712232331759, -5.241934575393899e-17,
  1.978456026387951, 2.0414278897578303e-17, 1.9891988469672663, 4.124842848606488e-18,
]

const INV_LN2_N = 0x171547652b82fe * 2 ** -52 * 128 // 0x1.71547652b82fep0 · 128
const NEG_LN2_HI_N = -0x162e42fefa0000 * 2 ** -60 // -0x1.62e42fefa0000p-8
const NEG_LN2_LO_N = -0x1cf79abc9e3b3a * 2 ** -99 // -0x1.cf79abc9e3b3ap-47
const SHIFT = 1.5 * 2 ** 52 // 0x1.8p52
const C2 = 0x1ffffffffffdbd * 2 ** -54 // 0x1.ffffffffffdbdp-2
const C3 = 0x1555555555543c * 2 ** -55 // 0x1.555555555543cp-3
const C4 = 0x155555cf172b91 * 2 ** -57 // 0x1.55555cf172b91p-5
const C5 = 0x11111167a4d017 * 2 ** -59 // 0x1.1111167a4d017p-7

const SPLITTER = 134217729 // 2^27 + 1 (Veltkamp split)
const F64 = new Float64Array(1)
const U32 = new Uint32Array(F64.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const LO = LITTLE_ENDIAN ? 0 : 1
const HI = LITTLE_ENDIAN ? 1 : 0

/** 2^e as a double, for integer e in [-1022, 1023]. */
function pow2(e: number): number {
  U32[LO] = 0
  U32[HI] = (e + 1023) << 20
  return F64[0] as number
}

/** The neighbour of finite non-zero s one ulp away in the direction of sign(dir). */
function stepToward(s: number, dir: number): number {
  F64[0] = s
  const away = (s > 0) === (dir > 0) // moving away from zero grows the magnitude bits
  let lo = U32[LO] as number
  let hi = U32[HI] as number
  if (away) {
    lo = (lo + 1) >>> 0
    if (lo === 0) hi = (hi + 1) >>> 0
  } else {
    if (lo === 0) hi = (hi - 1) >>> 0
    lo = (lo - 1) >>> 0
  }
  U32[LO] = lo
  U32[HI] = hi
  return F64[0] as number
}

/** x + y rounded to odd: the exact sum if representable, else whichever neighbour has an odd last bit. */
function addRoundOdd(x: number, y: number): number {
  const s = x + y
  const bb = s - x
  const err = (x - (s - bb)) + (y - bb)
  if (err === 0 || !Number.isFinite(s)) return s
  F64[0] = s
  return ((U32[LO] as number) & 1) === 1 ? s : stepToward(s, err)
}

/**
 * Fused multiply-add a·b + c with one rounding (Boldo & Melquiond's emulation via rounding to odd).
 * Exact when a·b and c are finite and a·b stays above 2^-969 in magnitude (no underflow in the
 * error-free product), which holds for every call made by exp() below.
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b
  if (!Number.isFinite(p) || !Number.isFinite(c) || p === 0) return p + c
  let t = SPLITTER * a
  const ah = t - (t - a)
  const al = a - ah
  t = SPLITTER * b
  const bh = t - (t - b)
  const bl = b - bh
  const pl = ((ah * bh - p) + ah * bl + al * bh) + al * bl
  const th = c + p
  const bv = th - c
  const tl = (c - (th - bv)) + (p - bv)
  return th + addRoundOdd(tl, pl)
}

/** Scale and tail for k = round(x·128/ln2): 2^(k/128) = H·2^m·(1 + T) with k = 128m + j. */
function expCore(x: number, kd: number, extraExp: number): { scale: number; tmp: number } {
  const r = fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x))
  const k = kd
  const j = k & 127
  const m = (k - j) / 128
  const tail = EXP_TABLE[2 * j + 1] as number
  const scale = (EXP_TABLE[2 * j] as number) * pow2(m + extraExp)
  const r2 = r * r
  const tmp = fma(r2 * r2, fma(r, C5, C4), fma(r2, fma(r, C3, C2), tail + r))
  return { scale, tmp }
}

/** exp(x) exactly as glibc computes it (returns Infinity where Python's math.exp raises OverflowError). */
export function exp(x: number): number {
  if (Number.isNaN(x)) return x
  const ax = Math.abs(x)
  if (ax < 2 ** -54) return 1 + x
  if (ax >= 1024) return x > 0 ? Infinity : 0
  const kd = fma(INV_LN2_N, x, SHIFT) - SHIFT
  if (ax < 512) {
    const { scale, tmp } = expCore(x, kd, 0)
    return fma(scale, tmp, scale)
  }
  if (kd >= 0) {
    // The exponent of the scale may overflow: compute 2^-1009 of it, then scale back.
    const { scale, tmp } = expCore(x, kd, -1009)
    return 2 ** 1009 * fma(scale, tmp, scale)
  }
  // Tiny results: glibc's build does not fuse here (scale·tmp has two uses). Below 1, y is rounded
  // to the subnormal precision first to avoid double rounding.
  const { scale, tmp } = expCore(x, kd, 1022)
  const st = scale * tmp
  let y = scale + st
  if (y < 1) {
    let lo = scale - y + st
    const hi = 1 + y
    lo = 1 - hi + y + lo
    y = (hi + lo) - 1
    if (y === 0) y = 0
  }
  return 2 ** -1022 * y
}

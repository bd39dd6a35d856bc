;; scrypt ROMix (RFC 7914 §5 scryptBlockMix, §6 scryptROMix) over the Salsa20/8 core (§3).
;;
;; Source of engine/crypto/scrypt-romix-wasm.ts: after editing, run
;;   node scripts/build-scrypt-wasm.mjs
;; (it compiles this file with wabt's wat2wasm and records this file's SHA-256 beside the bytes;
;; test/unit/crypto-scrypt.test.ts fails while the two disagree).
;;
;; WebAssembly 1.0 (MVP) only: i32 arithmetic, i32.rotl, i64 loads/stores for the XOR. No bulk
;; memory, no SIMD, so any engine that runs WebAssembly at all runs this.
;;
;; Memory is imported ("env" "mem"), one fresh Memory per scrypt call, laid out in blocks of
;; 128·r bytes (blk):
;;
;;   [0, blk)             X   ROMix working block (the result is left here)
;;   [blk, 2·blk)         Y   the other half of the X/Y ping-pong
;;   [2·blk, (2+N)·blk)   V   V_0 .. V_{N-1}
;;
;; The caller writes the lane's B (from PBKDF2) into V_0, runs fill(0, N) then mix(0, N), in as
;; many slices as it likes (each call continues where the previous one stopped), and reads the
;; lane's B' from X. All words are little-endian, as RFC 7914 specifies and as WebAssembly
;; memory is.
(module
  (import "env" "mem" (memory 1))

  ;; scryptBlockMix (RFC 7914 §4) of the 2r 64-byte blocks at $in into $out ($in != $out):
  ;;   X = B[2r-1]; for i in 0..2r-1: X = Salsa20/8(X xor B[i]), Y[i] = X;
  ;;   B' = (Y[0], Y[2], .., Y[2r-2], Y[1], Y[3], .., Y[2r-1]).
  ;; X is kept in the locals $t0..$t15 across blocks; $x0..$x15 are the Salsa20 state.
  (func $blockmix (param $in i32) (param $out i32) (param $r i32)
    (local $i i32) (local $src i32) (local $dst i32) (local $round i32)
    (local $t0 i32) (local $t1 i32) (local $t2 i32) (local $t3 i32) (local $t4 i32) (local $t5 i32) (local $t6 i32) (local $t7 i32) (local $t8 i32) (local $t9 i32) (local $t10 i32) (local $t11 i32) (local $t12 i32) (local $t13 i32) (local $t14 i32) (local $t15 i32)
    (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32) (local $x4 i32) (local $x5 i32) (local $x6 i32) (local $x7 i32) (local $x8 i32) (local $x9 i32) (local $x10 i32) (local $x11 i32) (local $x12 i32) (local $x13 i32) (local $x14 i32) (local $x15 i32)
    ;; X = B[2r-1]
    (local.set $src (i32.add (local.get $in) (i32.sub (i32.shl (local.get $r) (i32.const 7)) (i32.const 64))))
    (local.set $t0 (i32.load offset=0 (local.get $src)))
    (local.set $t1 (i32.load offset=4 (local.get $src)))
    (local.set $t2 (i32.load offset=8 (local.get $src)))
    (local.set $t3 (i32.load offset=12 (local.get $src)))
    (local.set $t4 (i32.load offset=16 (local.get $src)))
    (local.set $t5 (i32.load offset=20 (local.get $src)))
    (local.set $t6 (i32.load offset=24 (local.get $src)))
    (local.set $t7 (i32.load offset=28 (local.get $src)))
    (local.set $t8 (i32.load offset=32 (local.get $src)))
    (local.set $t9 (i32.load offset=36 (local.get $src)))
    (local.set $t10 (i32.load offset=40 (local.get $src)))
    (local.set $t11 (i32.load offset=44 (local.get $src)))
    (local.set $t12 (i32.load offset=48 (local.get $src)))
    (local.set $t13 (i32.load offset=52 (local.get $src)))
    (local.set $t14 (i32.load offset=56 (local.get $src)))
    (local.set $t15 (i32.load offset=60 (local.get $src)))
    (local.set $src (local.get $in))
    (local.set $i (i32.const 0))
    (loop $blocks
      ;; x = X xor B[i], and keep the Salsa20 input in t
      (local.set $x0 (i32.xor (local.get $t0) (i32.load offset=0 (local.get $src))))
      (local.set $x1 (i32.xor (local.get $t1) (i32.load offset=4 (local.get $src))))
      (local.set $x2 (i32.xor (local.get $t2) (i32.load offset=8 (local.get $src))))
      (local.set $x3 (i32.xor (local.get $t3) (i32.load offset=12 (local.get $src))))
      (local.set $x4 (i32.xor (local.get $t4) (i32.load offset=16 (local.get $src))))
      (local.set $x5 (i32.xor (local.get $t5) (i32.load offset=20 (local.get $src))))
      (local.set $x6 (i32.xor (local.get $t6) (i32.load offset=24 (local.get $src))))
      (local.set $x7 (i32.xor (local.get $t7) (i32.load offset=28 (local.get $src))))
      (local.set $x8 (i32.xor (local.get $t8) (i32.load offset=32 (local.get $src))))
      (local.set $x9 (i32.xor (local.get $t9) (i32.load offset=36 (local.get $src))))
      (local.set $x10 (i32.xor (local.get $t10) (i32.load offset=40 (local.get $src))))
      (local.set $x11 (i32.xor (local.get $t11) (i32.load offset=44 (local.get $src))))
      (local.set $x12 (i32.xor (local.get $t12) (i32.load offset=48 (local.get $src))))
      (local.set $x13 (i32.xor (local.get $t13) (i32.load offset=52 (local.get $src))))
      (local.set $x14 (i32.xor (local.get $t14) (i32.load offset=56 (local.get $src))))
      (local.set $x15 (i32.xor (local.get $t15) (i32.load offset=60 (local.get $src))))
      (local.set $t0 (local.get $x0))
      (local.set $t1 (local.get $x1))
      (local.set $t2 (local.get $x2))
      (local.set $t3 (local.get $x3))
      (local.set $t4 (local.get $x4))
      (local.set $t5 (local.get $x5))
      (local.set $t6 (local.get $x6))
      (local.set $t7 (local.get $x7))
      (local.set $t8 (local.get $x8))
      (local.set $t9 (local.get $x9))
      (local.set $t10 (local.get $x10))
      (local.set $t11 (local.get $x11))
      (local.set $t12 (local.get $x12))
      (local.set $t13 (local.get $x13))
      (local.set $t14 (local.get $x14))
      (local.set $t15 (local.get $x15))
      ;; Salsa20/8 (RFC 7914 §3): four double rounds
      (local.set $round (i32.const 4))
      (loop $rounds
          ;; columns
          (local.set $x4 (i32.xor (local.get $x4) (i32.rotl (i32.add (local.get $x0) (local.get $x12)) (i32.const 7))))
          (local.set $x8 (i32.xor (local.get $x8) (i32.rotl (i32.add (local.get $x4) (local.get $x0)) (i32.const 9))))
          (local.set $x12 (i32.xor (local.get $x12) (i32.rotl (i32.add (local.get $x8) (local.get $x4)) (i32.const 13))))
          (local.set $x0 (i32.xor (local.get $x0) (i32.rotl (i32.add (local.get $x12) (local.get $x8)) (i32.const 18))))
          (local.set $x9 (i32.xor (local.get $x9) (i32.rotl (i32.add (local.get $x5) (local.get $x1)) (i32.const 7))))
          (local.set $x13 (i32.xor (local.get $x13) (i32.rotl (i32.add (local.get $x9) (local.get $x5)) (i32.const 9))))
          (local.set $x1 (i32.xor (local.get $x1) (i32.rotl (i32.add (local.get $x13) (local.get $x9)) (i32.const 13))))
          (local.set $x5 (i32.xor (local.get $x5) (i32.rotl (i32.add (local.get $x1) (local.get $x13)) (i32.const 18))))
          (local.set $x14 (i32.xor (local.get $x14) (i32.rotl (i32.add (local.get $x10) (local.get $x6)) (i32.const 7))))
          (local.set $x2 (i32.xor (local.get $x2) (i32.rotl (i32.add (local.get $x14) (local.get $x10)) (i32.const 9))))
          (local.set $x6 (i32.xor (local.get $x6) (i32.rotl (i32.add (local.get $x2) (local.get $x14)) (i32.const 13))))
          (local.set $x10 (i32.xor (local.get $x10) (i32.rotl (i32.add (local.get $x6) (local.get $x2)) (i32.const 18))))
          (local.set $x3 (i32.xor (local.get $x3) (i32.rotl (i32.add (local.get $x15) (local.get $x11)) (i32.const 7))))
          (local.set $x7 (i32.xor (local.get $x7) (i32.rotl (i32.add (local.get $x3) (local.get $x15)) (i32.const 9))))
          (local.set $x11 (i32.xor (local.get $x11) (i32.rotl (i32.add (local.get $x7) (local.get $x3)) (i32.const 13))))
          (local.set $x15 (i32.xor (local.get $x15) (i32.rotl (i32.add (local.get $x11) (local.get $x7)) (i32.const 18))))
          ;; rows
          (local.set $x1 (i32.xor (local.get $x1) (i32.rotl (i32.add (local.get $x0) (local.get $x3)) (i32.const 7))))
          (local.set $x2 (i32.xor (local.get $x2) (i32.rotl (i32.add (local.get $x1) (local.get $x0)) (i32.const 9))))
          (local.set $x3 (i32.xor (local.get $x3) (i32.rotl (i32.add (local.get $x2) (local.get $x1)) (i32.const 13))))
          (local.set $x0 (i32.xor (local.get $x0) (i32.rotl (i32.add (local.get $x3) (local.get $x2)) (i32.const 18))))
          (local.set $x6 (i32.xor (local.get $x6) (i32.rotl (i32.add (local.get $x5) (local.get $x4)) (i32.const 7))))
          (local.set $x7 (i32.xor (local.get $x7) (i32.rotl (i32.add (local.get $x6) (local.get $x5)) (i32.const 9))))
          (local.set $x4 (i32.xor (local.get $x4) (i32.rotl (i32.add (local.get $x7) (local.get $x6)) (i32.const 13))))
          (local.set $x5 (i32.xor (local.get $x5) (i32.rotl (i32.add (local.get $x4) (local.get $x7)) (i32.const 18))))
          (local.set $x11 (i32.xor (local.get $x11) (i32.rotl (i32.add (local.get $x10) (local.get $x9)) (i32.const 7))))
          (local.set $x8 (i32.xor (local.get $x8) (i32.rotl (i32.add (local.get $x11) (local.get $x10)) (i32.const 9))))
          (local.set $x9 (i32.xor (local.get $x9) (i32.rotl (i32.add (local.get $x8) (local.get $x11)) (i32.const 13))))
          (local.set $x10 (i32.xor (local.get $x10) (i32.rotl (i32.add (local.get $x9) (local.get $x8)) (i32.const 18))))
          (local.set $x12 (i32.xor (local.get $x12) (i32.rotl (i32.add (local.get $x15) (local.get $x14)) (i32.const 7))))
          (local.set $x13 (i32.xor (local.get $x13) (i32.rotl (i32.add (local.get $x12) (local.get $x15)) (i32.const 9))))
          (local.set $x14 (i32.xor (local.get $x14) (i32.rotl (i32.add (local.get $x13) (local.get $x12)) (i32.const 13))))
          (local.set $x15 (i32.xor (local.get $x15) (i32.rotl (i32.add (local.get $x14) (local.get $x13)) (i32.const 18))))
        (br_if $rounds (local.tee $round (i32.sub (local.get $round) (i32.const 1)))))
      ;; X = Salsa20/8 output = rounds(input) + input
      (local.set $t0 (i32.add (local.get $t0) (local.get $x0)))
      (local.set $t1 (i32.add (local.get $t1) (local.get $x1)))
      (local.set $t2 (i32.add (local.get $t2) (local.get $x2)))
      (local.set $t3 (i32.add (local.get $t3) (local.get $x3)))
      (local.set $t4 (i32.add (local.get $t4) (local.get $x4)))
      (local.set $t5 (i32.add (local.get $t5) (local.get $x5)))
      (local.set $t6 (i32.add (local.get $t6) (local.get $x6)))
      (local.set $t7 (i32.add (local.get $t7) (local.get $x7)))
      (local.set $t8 (i32.add (local.get $t8) (local.get $x8)))
      (local.set $t9 (i32.add (local.get $t9) (local.get $x9)))
      (local.set $t10 (i32.add (local.get $t10) (local.get $x10)))
      (local.set $t11 (i32.add (local.get $t11) (local.get $x11)))
      (local.set $t12 (i32.add (local.get $t12) (local.get $x12)))
      (local.set $t13 (i32.add (local.get $t13) (local.get $x13)))
      (local.set $t14 (i32.add (local.get $t14) (local.get $x14)))
      (local.set $t15 (i32.add (local.get $t15) (local.get $x15)))
      ;; Y[i] goes to B'[i/2] for even i, B'[r + i/2] for odd i
      (local.set $dst (i32.add (local.get $out)
        (i32.shl
          (i32.add (i32.shr_u (local.get $i) (i32.const 1))
                   (i32.mul (i32.and (local.get $i) (i32.const 1)) (local.get $r)))
          (i32.const 6))))
      (i32.store offset=0 (local.get $dst) (local.get $t0))
      (i32.store offset=4 (local.get $dst) (local.get $t1))
      (i32.store offset=8 (local.get $dst) (local.get $t2))
      (i32.store offset=12 (local.get $dst) (local.get $t3))
      (i32.store offset=16 (local.get $dst) (local.get $t4))
      (i32.store offset=20 (local.get $dst) (local.get $t5))
      (i32.store offset=24 (local.get $dst) (local.get $t6))
      (i32.store offset=28 (local.get $dst) (local.get $t7))
      (i32.store offset=32 (local.get $dst) (local.get $t8))
      (i32.store offset=36 (local.get $dst) (local.get $t9))
      (i32.store offset=40 (local.get $dst) (local.get $t10))
      (i32.store offset=44 (local.get $dst) (local.get $t11))
      (i32.store offset=48 (local.get $dst) (local.get $t12))
      (i32.store offset=52 (local.get $dst) (local.get $t13))
      (i32.store offset=56 (local.get $dst) (local.get $t14))
      (i32.store offset=60 (local.get $dst) (local.get $t15))
      (local.set $src (i32.add (local.get $src) (i32.const 64)))
      (br_if $blocks (i32.lt_u
        (local.tee $i (i32.add (local.get $i) (i32.const 1)))
        (i32.shl (local.get $r) (i32.const 1))))))

  ;; RFC 7914 §6 step 2, iterations [$from, $to) of N ($n, a power of 2, >= 2):
  ;;   V_i = X; X = scryptBlockMix(X). V_0 is written by the caller; iteration i computes
  ;;   V_{i+1} = BlockMix(V_i) in place in V, and the last one BlockMix(V_{N-1}) into X.
  (func (export "fill") (param $from i32) (param $to i32) (param $r i32) (param $n i32)
    (local $blk i32) (local $src i32)
    (local.set $blk (i32.shl (local.get $r) (i32.const 7)))
    (block $done
      (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
      (loop $iter
        (local.set $src (i32.add (i32.shl (local.get $blk) (i32.const 1))
                                 (i32.mul (local.get $from) (local.get $blk))))
        (call $blockmix (local.get $src)
          (select (i32.const 0) (i32.add (local.get $src) (local.get $blk))
                  (i32.eq (i32.add (local.get $from) (i32.const 1)) (local.get $n)))
          (local.get $r))
        (br_if $iter (i32.lt_u
          (local.tee $from (i32.add (local.get $from) (i32.const 1)))
          (local.get $to))))))

  ;; RFC 7914 §6 step 3, iterations [$from, $to) of N:
  ;;   j = Integerify(X) mod N; X = scryptBlockMix(X xor V_j).
  ;; Integerify is the first little-endian 32-bit word of X's last 64-byte block; N divides 2^32,
  ;; so "mod N" is "and (N - 1)". X lives in the X block on even iterations and in Y on odd ones
  ;; (ping-pong instead of a copy); N is even, so it ends in X.
  (func (export "mix") (param $from i32) (param $to i32) (param $r i32) (param $n i32)
    (local $blk i32) (local $cur i32) (local $next i32) (local $v i32) (local $k i32)
    (local.set $blk (i32.shl (local.get $r) (i32.const 7)))
    (block $done
      (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
      (loop $iter
        (local.set $cur (i32.mul (i32.and (local.get $from) (i32.const 1)) (local.get $blk)))
        (local.set $next (i32.sub (local.get $blk) (local.get $cur)))
        ;; v = &V_j
        (local.set $v (i32.add (i32.shl (local.get $blk) (i32.const 1))
          (i32.mul (local.get $blk)
            (i32.and (i32.load (i32.sub (i32.add (local.get $cur) (local.get $blk)) (i32.const 64)))
                     (i32.sub (local.get $n) (i32.const 1))))))
        ;; X ^= V_j, eight bytes at a time
        (local.set $k (i32.const 0))
        (loop $xor
          (i64.store (i32.add (local.get $cur) (local.get $k))
            (i64.xor (i64.load (i32.add (local.get $cur) (local.get $k)))
                     (i64.load (i32.add (local.get $v) (local.get $k)))))
          (br_if $xor (i32.lt_u (local.tee $k (i32.add (local.get $k) (i32.const 8))) (local.get $blk))))
        (call $blockmix (local.get $cur) (local.get $next) (local.get $r))
        (br_if $iter (i32.lt_u
          (local.tee $from (i32.add (local.get $from) (i32.const 1)))
          (local.get $to)))))))

// The explorer: the learner's photo through the course's own model, run in this page by onnxruntime-web
// (WASM). Nothing is uploaded. Data: window.VITLESSONS.explorer, written by render/explorer_model.py.
//
// The photo is prepared exactly as timm's eval transform prepares it for vitmath: Pillow's resampling
// (its fixed-point, two-pass convolution), torchvision's resize and centre-crop rounding, then ToTensor and
// Normalize in float32. Re-implemented here because a canvas resize is not Pillow's resize.
(function () {
  "use strict";
  var x = window.VITLESSONS.explorer;
  var $ = function (id) { return document.getElementById(id); };
  var statusEl = $("x-status");
  var api = window.VITLESSONS_EXPLORER = {timings: {}, photos: 0, error: null};
  var reduceMotion = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;

  function say(text, isError) {
    statusEl.textContent = text;
    statusEl.classList.toggle("error", !!isError);
    if (isError) api.error = text;
  }

  // ------------------------------------------------------------------ links to the lessons
  function lessonButton(view) {
    var link = x.lessons && x.lessons[view];
    if (!link) return null;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "goto-lesson";
    b.textContent = "Lesson " + link.number + (link.chapter ? ": " + link.chapter : "") + " \u25B8";
    b.setAttribute("aria-label", "Watch lesson " + link.number + ", " + link.title +
                   (link.chapter ? ", from the chapter " + link.chapter : ""));
    b.addEventListener("click", function () {
      var article = document.getElementById(link.lesson);
      if (!article) return;
      article.scrollIntoView({behavior: reduceMotion ? "auto" : "smooth", block: "start"});
      var video = article.querySelector("video");
      if (video) {
        if (link.start !== null) video.currentTime = link.start;
        video.focus({preventScroll: true});
      }
    });
    return b;
  }
  document.querySelectorAll("#explorer .lesson-links").forEach(function (div) {
    div.dataset.views.split(" ").forEach(function (view) {
      var b = lessonButton(view);
      if (b) div.appendChild(b);
    });
  });

  var controls = [$("x-file"), $("x-course")];
  if (!x.available) {
    say(x.reason === "npm" ? "The explorer was built without onnxruntime-web: run ./setup.sh, then vitlessons site again."
                           : "The explorer cannot prepare photos for this model (its preprocessing is not one the page does).", true);
    controls.forEach(function (c) { c.disabled = true; });
    return;
  }
  var fromFile = location.protocol === "file:";
  var SERVE_LINE = "This browser will not run the model from a file: run vitlessons site --serve and open the address it prints.";
  if (fromFile) say("Opened as a file, the browser may refuse to run the model; if it does, run vitlessons site --serve.");

  // ------------------------------------------------------------------ the model
  var loading = null;
  function loadModel() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      if (window.ort) { resolve(); return; }
      var s = document.createElement("script");
      s.src = x.runtime + "ort.wasm.min.js";
      s.onload = resolve;
      s.onerror = function () { reject(new Error("runtime")); };
      document.head.appendChild(s);
    }).then(function () {
      ort.env.wasm.wasmPaths = new URL(x.runtime, location.href).href;  // the page's own copy, never a CDN
      // Threads need a cross-origin-isolated page (vitlessons site --serve sends the headers).
      ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
      return ort.InferenceSession.create(x.model_file, {executionProviders: ["wasm"]});
    });
    loading.catch(function () { loading = null; });  // a later photo tries again
    return loading;
  }
  // Start fetching the model when the explorer scrolls near, so a photo runs at once (not from file://,
  // where the browser would refuse it before the learner asked for anything).
  if (!fromFile && "IntersectionObserver" in window) {
    var watcher = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) { watcher.disconnect(); loadModel(); }
    }, {rootMargin: "400px"});
    watcher.observe($("explorer"));
  }

  // ------------------------------------------------------------------ the photo, as timm prepares it
  var prep = x.preprocessing;
  var FILTERS = {  // Pillow's filters (libImaging/Resample.c), with its support
    bicubic: {support: 2, f: function (t) {
      var a = -0.5;
      if (t < 0) t = -t;
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    }},
    bilinear: {support: 1, f: function (t) { if (t < 0) t = -t; return t < 1 ? 1 - t : 0; }}
  };
  var PRECISION = 4194304;  // 1 << 22: Pillow's fixed point for 8-bit images (PRECISION_BITS = 32 - 8 - 2)

  // Pillow's precompute_coeffs + normalize_coeffs_8bpc: per output pixel, its first input pixel, count, weights.
  function coefficients(inSize, outSize, filter) {
    var scale = inSize / outSize, fscale = Math.max(scale, 1), support = filter.support * fscale;
    var ksize = Math.ceil(support) * 2 + 1;
    var bounds = new Int32Array(outSize * 2), kk = new Float64Array(outSize * ksize);
    for (var xx = 0; xx < outSize; xx++) {
      var center = (xx + 0.5) * scale, ww = 0, ss = 1 / fscale, i;
      var xmin = Math.trunc(center - support + 0.5);
      if (xmin < 0) xmin = 0;
      var xmax = Math.trunc(center + support + 0.5);
      if (xmax > inSize) xmax = inSize;
      xmax -= xmin;
      for (i = 0; i < xmax; i++) {
        var w = filter.f((i + xmin - center + 0.5) * ss);
        kk[xx * ksize + i] = w;
        ww += w;
      }
      for (i = 0; i < xmax; i++) {
        var k = ww !== 0 ? kk[xx * ksize + i] / ww : kk[xx * ksize + i];
        kk[xx * ksize + i] = k < 0 ? Math.trunc(-0.5 + k * PRECISION) : Math.trunc(0.5 + k * PRECISION);
      }
      bounds[2 * xx] = xmin;
      bounds[2 * xx + 1] = xmax;
    }
    return {ksize: ksize, bounds: bounds, kk: kk};
  }

  // One pass of Pillow's 8-bit resampling along x (horizontal) or y; the sums are exact integers in a double.
  function pass(src, w, h, outSize, horizontal, filter) {
    var c = coefficients(horizontal ? w : h, outSize, filter);
    var ow = horizontal ? outSize : w, oh = horizontal ? h : outSize;
    var out = new Uint8Array(ow * oh * 3);
    for (var y = 0; y < oh; y++) {
      for (var xx = 0; xx < ow; xx++) {
        var j = horizontal ? xx : y, min = c.bounds[2 * j], n = c.bounds[2 * j + 1], base = j * c.ksize;
        for (var ch = 0; ch < 3; ch++) {
          var ss = PRECISION / 2;
          for (var i = 0; i < n; i++) {
            var at = horizontal ? (y * w + min + i) : ((min + i) * w + xx);
            ss += src[at * 3 + ch] * c.kk[base + i];
          }
          var v = Math.floor(ss / PRECISION);
          out[(y * ow + xx) * 3 + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
    }
    return out;
  }

  function roundHalfEven(v) {  // Python's round(), which torchvision's centre crop uses
    var r = Math.round(v);
    return Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : r;
  }

  // RGBA pixels of any size -> {picture: S*S*3 bytes, tensor: Float32Array (3, S, S) normalised}.
  function prepare(rgba, w, h) {
    var rgb = new Uint8Array(w * h * 3);
    for (var p = 0; p < w * h; p++) {
      rgb[3 * p] = rgba[4 * p]; rgb[3 * p + 1] = rgba[4 * p + 1]; rgb[3 * p + 2] = rgba[4 * p + 2];
    }
    var S = prep.resize_shorter, shortSide = Math.min(w, h), longSide = Math.max(w, h);
    var newLong = Math.trunc(S * longSide / shortSide);  // torchvision: int(size * long / short)
    var rw = w <= h ? S : newLong, rh = w <= h ? newLong : S;
    var filter = FILTERS[prep.interpolation], cur = rgb, cw = w, chh = h;
    if (rw !== w) { cur = pass(cur, cw, chh, rw, true, filter); cw = rw; }  // Pillow: horizontal first
    if (rh !== h) { cur = pass(cur, cw, chh, rh, false, filter); chh = rh; }
    var cropH = prep.crop[0], cropW = prep.crop[1];
    var top = roundHalfEven((chh - cropH) / 2), left = roundHalfEven((cw - cropW) / 2);
    var picture = new Uint8Array(cropW * cropH * 3), tensor = new Float32Array(3 * cropW * cropH);
    var mean = prep.mean.map(Math.fround), std = prep.std.map(Math.fround);
    for (var y = 0; y < cropH; y++) {
      for (var xx = 0; xx < cropW; xx++) {
        for (var c = 0; c < 3; c++) {
          var v = cur[((y + top) * cw + xx + left) * 3 + c];
          picture[(y * cropW + xx) * 3 + c] = v;
          // float32 at each step, as torch does: v / 255, then - mean, then / std
          tensor[(c * cropH + y) * cropW + xx] = Math.fround(Math.fround(v / 255) - mean[c]) / std[c];
        }
      }
    }
    return {picture: picture, tensor: tensor};
  }

  function decode(blob) {
    // Raw pixels as the file holds them (no colour management), turned upright by their EXIF orientation,
    // transparent parts over white: what vitmath.image does with Pillow.
    return createImageBitmap(blob, {imageOrientation: "from-image", premultiplyAlpha: "none",
                                    colorSpaceConversion: "none"}).then(function (bmp) {
      var c = document.createElement("canvas");
      c.width = bmp.width; c.height = bmp.height;
      var ctx = c.getContext("2d", {willReadFrequently: true});
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, c.width, c.height);
      ctx.drawImage(bmp, 0, 0);
      bmp.close();
      return ctx.getImageData(0, 0, c.width, c.height);
    });
  }

  // ------------------------------------------------------------------ what the views read
  var G = x.grid, N = G * G, T = x.tokens, H = x.heads, D = x.depth, P = x.patch;
  var state = null;  // {picture, tensor, logits, attention, name, url}

  function attnRow(block, head, query) {  // query's attention over the patches (raster order), as numbers
    var a = state.attention, base = ((block * H + head) * T + query) * T, row = new Array(N);
    for (var j = 0; j < N; j++) row[j] = a[base + 1 + j];
    return row;
  }
  function clsMap(block, head) { return attnRow(block, head, 0); }
  function rollout() {
    // vitmath.attention_rollout's CLS row: v = e_cls, then v <- v A for A = (mean over heads + I)/2,
    // rows renormalised, from the last block to the first; the product is never formed.
    var a = state.attention, v = new Float64Array(T), b, i, j, h;
    v[0] = 1;
    var fused = new Float64Array(T * T);
    var layers = [];
    for (b = 0; b < D; b++) {
      var m = new Float64Array(T * T);
      for (h = 0; h < H; h++) for (i = 0; i < T * T; i++) m[i] += a[(b * H + h) * T * T + i];
      for (i = 0; i < T; i++) {
        var sum = 0;
        for (j = 0; j < T; j++) { m[i * T + j] = (m[i * T + j] / H + (i === j ? 1 : 0)) / 2; sum += m[i * T + j]; }
        for (j = 0; j < T; j++) m[i * T + j] /= sum;
      }
      layers.push(m);
    }
    for (b = D - 1; b >= 0; b--) {
      var m2 = layers[b], next = new Float64Array(T);
      for (i = 0; i < T; i++) { if (v[i] === 0) continue; for (j = 0; j < T; j++) next[j] += v[i] * m2[i * T + j]; }
      v = next;
    }
    var row = Array.prototype.slice.call(v, 1), max = Math.max.apply(null, row);
    return row.map(function (r) { return r / max; });
  }
  function meanDistance() {  // vitmath.mean_attention_distance: (depth, H) pixels
    var a = state.attention, out = [], b, h, i, j;
    var dist = new Float64Array(N * N);
    for (i = 0; i < N; i++) for (j = 0; j < N; j++) {
      var dy = Math.floor(i / G) - Math.floor(j / G), dx = i % G - j % G;
      dist[i * N + j] = Math.sqrt(dy * dy + dx * dx) * P;
    }
    for (b = 0; b < D; b++) {
      var row = [];
      for (h = 0; h < H; h++) {
        var total = 0;
        for (i = 0; i < N; i++) {
          var base = ((b * H + h) * T + 1 + i) * T + 1, s = 0, ws = 0;
          for (j = 0; j < N; j++) s += a[base + j];
          for (j = 0; j < N; j++) ws += a[base + j] / s * dist[i * N + j];
          total += ws;
        }
        row.push(total / N);
      }
      out.push(row);
    }
    return out;
  }
  function top5() {
    var l = state.logits, max = -Infinity, i, sum = 0;
    for (i = 0; i < l.length; i++) max = Math.max(max, l[i]);
    var p = new Array(l.length);
    for (i = 0; i < l.length; i++) { p[i] = Math.exp(l[i] - max); sum += p[i]; }
    var order = p.map(function (v, k) { return k; }).sort(function (s, t) { return p[t] - p[s] || s - t; });
    return order.slice(0, 5).map(function (k) { return {index: k, label: x.labels[k], p: p[k] / sum}; });
  }
  api.clsMap = clsMap; api.rollout = rollout; api.meanDistance = meanDistance; api.top5 = top5;
  api.attnRow = attnRow;
  api.state = function () { return state; };

  // ------------------------------------------------------------------ drawing
  function cmap(t) {  // the lessons' colour map, linear between its samples
    var stops = x.cmap, n = stops.length - 1, s = Math.min(Math.max(t, 0), 1) * n, k = Math.min(Math.floor(s), n - 1), f = s - k;
    return stops[k].map(function (c, i) { return Math.round(255 * (c + (stops[k + 1][i] - c) * f)); });
  }
  function css(rgb) { return "rgb(" + rgb.join(",") + ")"; }
  function fmt(v) { return v === 0 ? "0" : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2); }

  function colorBar(el, lo, hi, title, vertical) {
    var stops = [];
    for (var i = 0; i <= 10; i++) stops.push(css(cmap(i / 10)) + " " + (10 * i) + "%");
    el.innerHTML = "";
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", "Colour bar: " + title + " from " + fmt(lo) + " to " + fmt(hi));
    var ramp = document.createElement("div");
    ramp.className = "ramp";
    ramp.style.background = "linear-gradient(" + (vertical ? "to top" : "to right") + ", " + stops.join(", ") + ")";
    var ticks = document.createElement("div");
    ticks.className = "ticks";
    [hi, (lo + hi) / 2, lo].forEach(function (v) {
      var s = document.createElement("span"); s.textContent = fmt(v); ticks.appendChild(s);
    });
    if (!vertical) ticks.style.flexDirection = "row-reverse";
    var label = document.createElement("div");
    label.className = "bar-title";
    label.textContent = title;
    el.appendChild(label); el.appendChild(ramp); el.appendChild(ticks);
  }

  function drawPhoto(canvas) {
    var S = prep.crop[1], c = canvas.getContext("2d");
    canvas.width = S; canvas.height = prep.crop[0];
    var img = c.createImageData(S, prep.crop[0]);
    for (var p = 0; p < S * prep.crop[0]; p++) {
      img.data[4 * p] = state.picture[3 * p]; img.data[4 * p + 1] = state.picture[3 * p + 1];
      img.data[4 * p + 2] = state.picture[3 * p + 2]; img.data[4 * p + 3] = 255;
    }
    c.putImageData(img, 0, 0);
    return c;
  }

  function makeCells(container, onFocus, onLeave) {
    container.innerHTML = "";
    container.style.gridTemplateColumns = "repeat(" + G + ", 1fr)";
    var cells = [];
    for (var i = 0; i < N; i++) {
      var cell = document.createElement("button");
      cell.type = "button";
      cell.dataset.index = String(i);
      cell.tabIndex = i === 0 ? 0 : -1;
      cell.setAttribute("aria-label", "Patch " + i + ", row " + (Math.floor(i / G) + 1) + ", column " + (i % G + 1));
      container.appendChild(cell);
      cells.push(cell);
    }
    function show(ev) { var c = ev.target.closest("button"); if (c) onFocus(parseInt(c.dataset.index, 10)); }
    container.addEventListener("mouseover", show);
    container.addEventListener("focusin", show);
    container.addEventListener("mouseleave", function () { if (!container.contains(document.activeElement)) onLeave(); });
    container.addEventListener("focusout", function (ev) { if (!container.contains(ev.relatedTarget)) onLeave(); });
    container.addEventListener("keydown", function (ev) {
      var cell = ev.target.closest("button");
      if (!cell) return;
      var idx = parseInt(cell.dataset.index, 10), next = idx;
      if (ev.key === "ArrowRight") next = Math.min(idx + 1, N - 1);
      else if (ev.key === "ArrowLeft") next = Math.max(idx - 1, 0);
      else if (ev.key === "ArrowDown") next = idx + G < N ? idx + G : idx;
      else if (ev.key === "ArrowUp") next = idx - G >= 0 ? idx - G : idx;
      else if (ev.key === "Home") next = idx - idx % G;
      else if (ev.key === "End") next = idx - idx % G + G - 1;
      else return;
      ev.preventDefault();
      cell.tabIndex = -1;
      cells[next].tabIndex = 0;
      cells[next].focus();
    });
    return cells;
  }

  // The patch grid and one patch, flattened (lesson 5).
  var gridCells = [], patchShown = 0;
  function showPatch(i) {
    patchShown = i;
    gridCells.forEach(function (c, k) { c.classList.toggle("current", k === i); });
    var zoom = $("x-patch"), zc = zoom.getContext("2d"), S = prep.crop[1];
    zoom.width = P; zoom.height = P;
    var img = zc.createImageData(P, P), r0 = Math.floor(i / G) * P, c0 = (i % G) * P;
    for (var y = 0; y < P; y++) for (var xx = 0; xx < P; xx++) for (var c = 0; c < 4; c++)
      img.data[(y * P + xx) * 4 + c] = c === 3 ? 255 : state.picture[((r0 + y) * S + c0 + xx) * 3 + c];
    zc.putImageData(img, 0, 0);
    // vitmath's flattening: (channel, y, x), the normalised numbers the model multiplies
    var flat = $("x-flat"), fc = flat.getContext("2d"), L = 3 * P * P;
    flat.width = L; flat.height = 1;
    var lo = (0 - prep.mean[0]) / prep.std[0], hi = (1 - prep.mean[0]) / prep.std[0], fi = fc.createImageData(L, 1);
    for (c = 0; c < 3; c++) {
      lo = Math.min(lo, (0 - prep.mean[c]) / prep.std[c]); hi = Math.max(hi, (1 - prep.mean[c]) / prep.std[c]);
    }
    var values = [];
    for (c = 0; c < 3; c++) for (y = 0; y < P; y++) for (xx = 0; xx < P; xx++)
      values.push(state.tensor[(c * prep.crop[0] + r0 + y) * S + c0 + xx]);
    values.forEach(function (v, k) {
      var rgb = cmap((v - lo) / (hi - lo));
      fi.data[4 * k] = rgb[0]; fi.data[4 * k + 1] = rgb[1]; fi.data[4 * k + 2] = rgb[2]; fi.data[4 * k + 3] = 255;
    });
    fc.putImageData(fi, 0, 0);
    flat.setAttribute("aria-label", "Patch " + i + " flattened: a row of " + L + " numbers, red channel then green then blue");
    $("x-patch-caption").textContent = "Patch " + i + " (row " + (Math.floor(i / G) + 1) + ", column " + (i % G + 1) +
      "): " + P + " x " + P + " pixels x 3 channels, flattened to a row of shape 1 x " + L +
      " (red, then green, then blue; the numbers after Normalize).";
    colorBar($("x-flat-bar"), lo, hi, "pixel value after Normalize", false);
    api.patchValues = values;
  }

  // The attention views (lessons 7 to 9): the CLS token's row, a hovered patch's row, or the rollout.
  var mapCells = [], blockSel = $("x-block"), headSel = $("x-head"), hovered = null;
  function option(select, value, text) {
    var o = document.createElement("option"); o.value = value; o.textContent = text; select.appendChild(o);
  }
  for (var b = 0; b < D; b++) option(blockSel, String(b), "Block " + (b + 1));
  option(blockSel, "rollout", "Rollout (all blocks; a heuristic)");
  for (var h = 0; h < H; h++) option(headSel, String(h), "Head " + (h + 1));
  blockSel.value = String(D - 1);

  function paintMap() {
    var isRollout = blockSel.value === "rollout";
    headSel.disabled = isRollout;
    $("x-rollout-note").hidden = !isRollout;
    var block = parseInt(blockSel.value, 10), head = parseInt(headSel.value, 10), values, caption;
    var where = "Block " + (block + 1) + ", head " + (head + 1);
    if (isRollout) {
      values = state.rollout;
      caption = "Rollout of all " + D + " blocks: the CLS token's row, scaled so its largest value is 1" +
                (hovered !== null ? " (a patch's own row is shown for single blocks only)." : ".");
    } else if (hovered !== null) {
      values = attnRow(block, head, 1 + hovered);
      var toCls = state.attention[((block * H + head) * T + 1 + hovered) * T];
      caption = where + ": where patch " + hovered + " (row " + (Math.floor(hovered / G) + 1) + ", column " +
                (hovered % G + 1) + ") looks; its row sums to 1 over all " + T + " tokens, " + fmt(toCls) +
                " of it on the CLS token.";
    } else {
      values = clsMap(block, head);
      caption = where + ": where the CLS token looks. Hover or focus a patch to see its own row.";
    }
    $("x-attn-caption").textContent = caption;
    var max = Math.max.apply(null, values), c = drawPhoto($("x-map")), cell = prep.crop[1] / G;
    c.globalAlpha = 0.75;
    values.forEach(function (v, k) {
      c.fillStyle = css(cmap(max > 0 ? v / max : 0));
      c.fillRect((k % G) * cell, Math.floor(k / G) * cell, cell, cell);
    });
    c.globalAlpha = 1;
    mapCells.forEach(function (el, k) { el.classList.toggle("current", k === hovered); });
    colorBar($("x-map-bar"), 0, max, isRollout ? "rollout (largest = 1)" : "attention weight", true);
    api.shownMap = values;
    if (api.timings.chosen !== undefined && api.timings.firstMap === undefined) api.timings.firstMap = performance.now();
  }
  blockSel.addEventListener("change", paintMap);
  headSel.addEventListener("change", paintMap);

  // Mean attention distance per head (lesson 8): a dot per head per block, with its axes.
  function paintDistance() {
    var dist = state.distance, svg = $("x-distance"), W = 640, Hh = 300, m = {l: 64, r: 110, t: 14, b: 44};
    var max = Math.max.apply(null, dist.map(function (r) { return Math.max.apply(null, r); }));
    var top = Math.ceil(max / 20) * 20 || 20, NS = "http://www.w3.org/2000/svg";
    svg.setAttribute("viewBox", "0 0 " + W + " " + Hh);
    svg.innerHTML = "";
    function el(name, attrs, text) {
      var e = document.createElementNS(NS, name);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      if (text !== undefined) e.textContent = text;
      svg.appendChild(e);
      return e;
    }
    var X = function (bk) { return m.l + (W - m.l - m.r) * (D > 1 ? bk / (D - 1) : 0.5); };
    var Y = function (v) { return Hh - m.b - (Hh - m.t - m.b) * v / top; };
    for (var t = 0; t <= 4; t++) {
      var v = top * t / 4;
      el("line", {x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v), class: "gridline"});
      el("text", {x: m.l - 8, y: Y(v) + 4, "text-anchor": "end", class: "tick"}, v.toFixed(0));
    }
    for (var bk = 0; bk < D; bk++) el("text", {x: X(bk), y: Hh - m.b + 18, "text-anchor": "middle", class: "tick"}, String(bk + 1));
    el("text", {x: (m.l + W - m.r) / 2, y: Hh - 6, "text-anchor": "middle", class: "axis"}, "block");
    el("text", {x: 14, y: (m.t + Hh - m.b) / 2, "text-anchor": "middle", class: "axis",
                transform: "rotate(-90 14 " + (m.t + Hh - m.b) / 2 + ")"}, "mean distance (px)");
    for (var hh = 0; hh < H; hh++) {
      var colour = css(cmap(H > 1 ? 0.4 + 0.58 * hh / (H - 1) : 0.7));  // the dark end would vanish on the page
      for (bk = 0; bk < D; bk++) el("circle", {cx: X(bk), cy: Y(dist[bk][hh]), r: 5, fill: colour, class: "dot"});
      el("circle", {cx: W - m.r + 20, cy: m.t + 10 + 18 * hh, r: 5, fill: colour});
      el("text", {x: W - m.r + 30, y: m.t + 14 + 18 * hh, class: "tick"}, "Head " + (hh + 1));
    }
    svg.setAttribute("aria-label", "Mean attention distance in pixels for each of the " + H + " heads of each of the " +
                     D + " blocks; from " + fmt(Math.min.apply(null, dist[0])) + " to " + fmt(Math.max.apply(null, dist[0])) +
                     " px in block 1 and " + fmt(Math.min.apply(null, dist[D - 1])) + " to " +
                     fmt(Math.max.apply(null, dist[D - 1])) + " px in block " + D + ". The table that follows lists them all.");
    var table = $("x-distance-table"), rows = "<caption>Mean attention distance (px)</caption><tr><th>Block</th>";
    for (hh = 0; hh < H; hh++) rows += "<th>Head " + (hh + 1) + "</th>";
    rows += "</tr>";
    dist.forEach(function (r, k) { rows += "<tr><th>" + (k + 1) + "</th>" + r.map(function (d) { return "<td>" + d.toFixed(1) + "</td>"; }).join("") + "</tr>"; });
    table.innerHTML = rows;
  }

  function paintTop5() {
    var list = $("x-top5");
    list.innerHTML = "";
    state.top5.forEach(function (t) {
      var li = document.createElement("li");
      var bar = document.createElement("span");
      bar.className = "bar";
      bar.style.width = (100 * t.p).toFixed(1) + "%";
      li.textContent = t.label + " " + (100 * t.p).toFixed(1) + "%";
      li.appendChild(bar);
      list.appendChild(li);
    });
  }

  function paintAll() {
    $("x-views").hidden = false;
    drawPhoto($("x-photo"));
    $("x-grid-caption").textContent = (state.name ? state.name + ", " : "") + "resized and centre-cropped to " +
      prep.crop[1] + " x " + prep.crop[0] + " px (shorter side to " + prep.resize_shorter + ", " + prep.interpolation +
      ", crop " + Math.round(100 * prep.crop_pct) + "%), cut into " + G + " x " + G + " = " + N + " patches of " + P +
      " x " + P + " px.";
    if (!gridCells.length) {
      gridCells = makeCells($("x-grid"), showPatch, function () {});
      mapCells = makeCells($("x-map-cells"), function (i) { hovered = i; paintMap(); },
                           function () { hovered = null; paintMap(); });
    }
    paintMap();
    showPatch(patchShown);
    paintTop5();
    paintDistance();
  }

  // ------------------------------------------------------------------ a photo, start to end
  var busy = 0;
  function run(blob, name) {
    api.timings = {chosen: performance.now()};
    var ticket = ++busy;
    say("Reading " + name + "\u2026");
    var prepared;
    decode(blob).then(function (img) {
      if (Math.min(img.width, img.height) < x.min_side)
        throw {line: "That photo is " + img.width + " x " + img.height + " pixels; the model needs at least " +
               x.min_side + " x " + x.min_side + "."};
      prepared = prepare(img.data, img.width, img.height);
      api.timings.prepared = performance.now();
      say("Running the model on " + name + "\u2026");
      return loadModel().catch(function (e) { throw {line: fromFile ? SERVE_LINE : "The model could not be loaded (" + (e && e.message || e) + ")."}; });
    }, function () {
      throw {line: "This browser cannot decode " + name + " as an image; choose a JPEG, PNG, WebP or GIF photo."};
    }).then(function (session) {
      var S = prep.crop;
      var feeds = {pixels: new ort.Tensor("float32", prepared.tensor, [1, 3, S[0], S[1]])};
      return session.run(feeds);
    }).then(function (out) {
      if (ticket !== busy) return;  // a newer photo was chosen meanwhile
      api.timings.inferred = performance.now();
      state = {picture: prepared.picture, tensor: prepared.tensor, logits: out.logits.data, attention: out.attention.data,
               name: name};
      state.rollout = rollout();
      state.distance = meanDistance();
      state.top5 = top5();
      paintAll();
      api.photos += 1;
      api.error = null;
      var best = state.top5[0];
      say(name + ": the model's top guess is " + best.label + " (" + (100 * best.p).toFixed(1) + "%).");
    }).catch(function (e) {
      if (ticket !== busy) return;
      say(e && e.line ? e.line : "The model failed on " + name + " (" + e + ").", true);
    });
  }

  $("x-file").addEventListener("change", function (ev) {
    var f = ev.target.files[0];
    if (f) run(f, f.name);
    ev.target.value = "";  // so that choosing the same file again runs it again
  });
  $("x-course").addEventListener("click", function () {
    fetch(x.course_photo).then(function (r) { return r.blob(); })
      .then(function (blob) { run(blob, "the course photo"); })
      .catch(function () { say(fromFile ? SERVE_LINE : "The course photo could not be read.", true); });
  });
  var zone = $("explorer");
  zone.addEventListener("dragover", function (ev) { ev.preventDefault(); zone.classList.add("dropping"); });
  zone.addEventListener("dragleave", function () { zone.classList.remove("dropping"); });
  zone.addEventListener("drop", function (ev) {
    ev.preventDefault();
    zone.classList.remove("dropping");
    var f = ev.dataTransfer.files[0];
    if (f) run(f, f.name);
  });

  // Predict, then check, on this photo: the maps computed here, scored by the game's own rule.
  $("x-play").addEventListener("click", function () {
    if (!state) return;
    var c = document.createElement("canvas");
    c.width = prep.crop[1]; c.height = prep.crop[0];
    c.getContext("2d").drawImage($("x-photo"), 0, 0);
    c.toBlob(function (png) {
      var blocks = [];
      for (var bk = 0; bk < D; bk++) {
        var heads = [];
        for (var hh = 0; hh < H; hh++) heads.push(clsMap(bk, hh));
        blocks.push(heads);
      }
      window.VITLESSONS_GAME.usePhoto({photo: URL.createObjectURL(png), blocks: blocks, rollout: state.rollout,
                                       top1: {label: state.top5[0].label, p: state.top5[0].p}});
      $("game").scrollIntoView({behavior: reduceMotion ? "auto" : "smooth"});
      $("block").focus({preventScroll: true});
    });
  });
})();

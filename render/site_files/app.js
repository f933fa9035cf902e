// The course page: progress in localStorage, chapter buttons, and the "Predict, then check" game.
// Data comes from data.js (window.VITLESSONS), written by `vitlessons site` from the vitmath trace.
(function () {
  "use strict";
  var data = window.VITLESSONS;
  var KEY = "vitlessons.watched";

  // ---------------------------------------------------------------- progress
  function loadWatched() {
    try { return new Set(JSON.parse(localStorage.getItem(KEY) || "[]")); } catch (e) { return new Set(); }
  }
  var watched = loadWatched();
  function saveWatched() {
    try { localStorage.setItem(KEY, JSON.stringify(Array.from(watched))); } catch (e) { /* private mode */ }
  }
  function paintProgress() {
    document.querySelectorAll("article.lesson").forEach(function (article) {
      var done = watched.has(article.dataset.lesson);
      article.querySelector(".done").hidden = !done;
      var box = article.querySelector(".watched-box");
      if (box) box.checked = done;
    });
    var n = data.lessons.filter(function (id) { return watched.has(id); }).length;
    document.getElementById("progress").textContent = n + " of " + data.lessons.length + " lessons watched";
  }
  function setWatched(id, done) {
    if (done) watched.add(id); else watched.delete(id);
    saveWatched();
    paintProgress();
  }
  document.querySelectorAll("article.lesson").forEach(function (article) {
    var id = article.dataset.lesson;
    var video = article.querySelector("video");
    var box = article.querySelector(".watched-box");
    if (!video) return;
    video.addEventListener("ended", function () { setWatched(id, true); });
    video.addEventListener("timeupdate", function () {
      // Most viewers stop during the closing seconds; 90% counts as watched.
      if (video.duration && video.currentTime >= 0.9 * video.duration && !watched.has(id)) setWatched(id, true);
    });
    box.addEventListener("change", function () { setWatched(id, box.checked); });
    article.querySelectorAll("button.chapter").forEach(function (button) {
      button.addEventListener("click", function () {
        video.currentTime = parseFloat(button.dataset.start);
        video.focus();
      });
    });
  });
  paintProgress();

  // ---------------------------------------------------------------- captions and chapters tracks
  // Over http(s) the <track> elements load their .vtt files. Opened from file://, Chromium refuses to load
  // them (each file is its own origin), so the same cues, shipped in data.js, are added through the API.
  var fromFile = location.protocol === "file:";
  document.querySelectorAll("article.lesson video").forEach(function (video) {
    var cues = data.tracks[video.closest("article").dataset.lesson];
    if (fromFile) {
      video.querySelectorAll("track").forEach(function (t) { t.remove(); });
      [["captions", "English", cues.captions], ["chapters", "Chapters", cues.chapters]].forEach(function (spec) {
        if (!spec[2].length) return;
        var track = video.addTextTrack(spec[0], spec[1], "en");
        spec[2].forEach(function (c) { track.addCue(new VTTCue(c[0], c[1], c[2])); });
        track.mode = spec[0] === "captions" ? "showing" : "hidden";
      });
    } else {
      var captions = video.querySelector("track[kind=captions]");
      if (captions) captions.track.mode = "showing";
      var chapters = video.querySelector("track[kind=chapters]");
      if (chapters) chapters.track.mode = "hidden";  // loaded, for players that list chapters
    }
  });

  // ---------------------------------------------------------------- the game
  var g = data.game;
  var coursePhoto = {photo: g.photo, blocks: g.blocks, rollout: g.rollout, top1: g.top1, yours: false};
  var blockSel = document.getElementById("block");
  var headSel = document.getElementById("head");
  var board = document.getElementById("patches");
  var revealBtn = document.getElementById("reveal");
  var scoreEl = document.getElementById("score");
  var pickedEl = document.getElementById("picked");
  var legend = document.getElementById("legend");
  var picks = new Set();
  var revealed = false;
  var cells = [];

  function option(select, value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    select.appendChild(o);
  }
  for (var b = 0; b < g.depth; b++) option(blockSel, String(b), "Block " + (b + 1));
  option(blockSel, "rollout", "Rollout (all blocks)");
  for (var h = 0; h < g.heads; h++) option(headSel, String(h), "Head " + (h + 1));
  blockSel.value = String(g.depth - 1);

  board.style.gridTemplateColumns = "repeat(" + g.grid + ", 1fr)";
  for (var i = 0; i < g.grid * g.grid; i++) {
    var cell = document.createElement("button");
    cell.type = "button";
    cell.dataset.index = String(i);
    cell.tabIndex = i === 0 ? 0 : -1;
    cell.setAttribute("aria-pressed", "false");
    cell.setAttribute("aria-label", "Patch " + i + ", row " + (Math.floor(i / g.grid) + 1) + ", column " +
                      (i % g.grid + 1));
    board.appendChild(cell);
    cells.push(cell);
  }
  function describe() {
    board.style.backgroundImage = "url(" + g.photo + ")";
      document.getElementById("model").textContent = "Model " + g.model + ", " + g.depth + " blocks of " + g.heads +
      " heads, " + g.grid + "x" + g.grid + " patches of " + g.patch + " px. Its top guess on " +
      (g.yours ? "your" : "this") + " photo: " + g.top1.label + " (" + (100 * g.top1.p).toFixed(0) + "%).";
    document.getElementById("game-course").hidden = !g.yours;
  }
  describe();

  function currentMap() {
    if (blockSel.value === "rollout") return g.rollout;
    return g.blocks[parseInt(blockSel.value, 10)][parseInt(headSel.value, 10)];
  }

  // The same sums, in the same order, as render/site.py's score(): equal results to the last bit.
  function score(values, picked) {
    var total = 0, mine = 0, best = 0, k;
    for (k = 0; k < values.length; k++) total += values[k];
    var sortedPicks = Array.from(new Set(picked)).sort(function (a, b) { return a - b; });
    for (k = 0; k < sortedPicks.length; k++) mine += values[sortedPicks[k]];
    var order = values.slice().sort(function (a, b) { return b - a; });
    for (k = 0; k < sortedPicks.length; k++) best += order[k];
    return { captured: mine / total, best: best / total, ratio: best > 0 ? mine / best : 0 };
  }

  function hide() {
    revealed = false;
    cells.forEach(function (c) { c.style.backgroundColor = ""; c.classList.remove("best"); });
    legend.hidden = true;
    scoreEl.textContent = "";
    delete scoreEl.dataset.captured; delete scoreEl.dataset.best; delete scoreEl.dataset.ratio;
  }

  function paintPicks() {
    cells.forEach(function (c, idx) { c.setAttribute("aria-pressed", picks.has(idx) ? "true" : "false"); });
    pickedEl.textContent = picks.size ? picks.size + " patch" + (picks.size > 1 ? "es" : "") + " picked."
                                      : "No patches picked.";
    revealBtn.disabled = picks.size === 0;
  }

  function reveal() {
    if (!picks.size) return;
    var values = currentMap();
    var max = Math.max.apply(null, values);
    var s = score(values, Array.from(picks));
    var ranked = values.map(function (v, idx) { return [v, idx]; })
                       .sort(function (a, b) { return b[0] - a[0] || a[1] - b[1]; });
    var bestSet = new Set(ranked.slice(0, picks.size).map(function (p) { return p[1]; }));
    cells.forEach(function (c, idx) {
      // A spotlight: the more attention a patch gets, the less it is dimmed.
      c.style.backgroundColor = "rgba(14, 17, 22, " + (0.85 * (1 - values[idx] / max)).toFixed(3) + ")";
      c.classList.toggle("best", bestSet.has(idx));
    });
    revealed = true;
    legend.hidden = false;
    scoreEl.dataset.captured = String(s.captured);
    scoreEl.dataset.best = String(s.best);
    scoreEl.dataset.ratio = String(s.ratio);
    var what = blockSel.value === "rollout" ? "the rollout" : "block " + (parseInt(blockSel.value, 10) + 1) +
               ", head " + (parseInt(headSel.value, 10) + 1);
    scoreEl.textContent = "In " + what + ", your " + picks.size + " patch" + (picks.size > 1 ? "es hold " : " holds ") +
      (100 * s.captured).toFixed(1) + "% of the CLS token's attention; the best " + picks.size + " hold " +
      (100 * s.best).toFixed(1) + "%. Score: " + (100 * s.ratio).toFixed(0) + "%.";
  }

  board.addEventListener("click", function (ev) {
    var cell = ev.target.closest("button");
    if (!cell) return;
    var idx = parseInt(cell.dataset.index, 10);
    if (picks.has(idx)) picks.delete(idx); else picks.add(idx);
    if (revealed) hide();
    paintPicks();
  });
  board.addEventListener("keydown", function (ev) {
    var cell = ev.target.closest("button");
    if (!cell) return;
    var idx = parseInt(cell.dataset.index, 10), n = g.grid, next = idx;
    if (ev.key === "ArrowRight") next = Math.min(idx + 1, n * n - 1);
    else if (ev.key === "ArrowLeft") next = Math.max(idx - 1, 0);
    else if (ev.key === "ArrowDown") next = idx + n < n * n ? idx + n : idx;
    else if (ev.key === "ArrowUp") next = idx - n >= 0 ? idx - n : idx;
    else if (ev.key === "Home") next = idx - idx % n;
    else if (ev.key === "End") next = idx - idx % n + n - 1;
    else return;
    ev.preventDefault();
    cell.tabIndex = -1;
    cells[next].tabIndex = 0;
    cells[next].focus();
  });
  blockSel.addEventListener("change", function () {
    headSel.disabled = blockSel.value === "rollout";
    if (revealed) reveal();
  });
  headSel.addEventListener("change", function () { if (revealed) reveal(); });
  revealBtn.addEventListener("click", reveal);
  document.getElementById("clear").addEventListener("click", function () {
    picks.clear();
    hide();
    paintPicks();
  });
  paintPicks();

  // The explorer (explorer.js) hands over the learner's photo with the maps it computed in the page:
  // {photo: URL, blocks: [block][head][patch], rollout: [patch], top1: {label, p}}; null = the course photo.
  function usePhoto(photo) {
    Object.assign(g, photo ? Object.assign({yours: true}, photo) : coursePhoto);
    picks.clear();
    hide();
    paintPicks();
    describe();
  }
  document.getElementById("game-course").addEventListener("click", function () { usePhoto(null); });
  window.VITLESSONS_GAME = {usePhoto: usePhoto, score: score};
})();

// graphbuild document page: the text with its mentions and evidence sentences marked.
// All document and graph text reaches the page through textContent; nothing here parses HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("doc-data").textContent);
  var HEX = /^#[0-9a-fA-F]{6}$/;

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function plural(n, word, many) { return n + " " + (n === 1 ? word : many || word + "s"); }
  function entityHref(index) {
    return data.explorer + "#entity=" + encodeURIComponent(data.entities[index].id);
  }
  function entityLink(index) {
    var a = el("a", data.entities[index].name);
    a.href = entityHref(index);
    return a;
  }

  // --- class colours: one CSS rule per class, through the CSSOM, from checked hex values ---
  var sheet = document.head.appendChild(document.createElement("style")).sheet;
  var classIndex = {};
  Object.keys(data.colors).forEach(function (cls, k) {
    var colour = HEX.test(data.colors[cls]) ? data.colors[cls] : "#999999";
    classIndex[cls] = k;
    sheet.insertRule("#text a.m.k" + k + " { border-color: " + colour + "; background: " +
      colour + "30; }", sheet.cssRules.length);
  });

  // --- header ---
  var doc = data.doc;
  document.title = (doc.title || doc.identifier) + " \u2014 graphbuild document";
  document.getElementById("title").textContent = doc.title || doc.identifier;
  document.getElementById("meta").textContent = [doc.date, doc.author, "Source: " + doc.identifier]
    .filter(Boolean).join(" \u00b7 ");
  document.getElementById("to-explorer").href = data.explorer;
  var mentioned = new Set(data.mentions.map(function (m) { return m[0]; }));
  document.getElementById("counts").textContent = plural(data.mentions.length, "mention") +
    " of " + plural(mentioned.size, "entity", "entities") + "; " +
    plural(data.facts.length, "fact") + " in " + plural(data.sentences.length, "sentence");
  var legend = document.getElementById("legend");
  data.classes.forEach(function (c) {
    var li = el("li");
    var swatch = el("span", null, "swatch");
    swatch.style.background = HEX.test(c.color) ? c.color : "#999999";
    li.appendChild(swatch);
    li.appendChild(el("span", c.name + " (" + c.count + ")"));
    legend.appendChild(li);
  });
  document.getElementById("hide-furniture").addEventListener("change", function (event) {
    document.body.classList.toggle("no-furniture", event.target.checked);
  });

  // --- the text, block by block: runs of [length, mention, sentence, furniture] ---
  var factsOf = data.sentences.map(function () { return []; });
  data.facts.forEach(function (f, index) { factsOf[f[0]].push(index); });
  var pieces = data.sentences.map(function () { return []; });  // sentence -> its elements
  var container = document.getElementById("text");
  var text = data.text, pos = 0;
  data.blocks.forEach(function (runs) {
    var block = el("div", null, "block"), start = pos, shown = -1, holder = block;
    for (var r = 0; r < runs.length; r += 4) {
      var piece = text.slice(pos, pos + runs[r]);
      pos += runs[r];
      if (runs[r + 2] !== shown) {
        shown = runs[r + 2];
        holder = block;
        if (shown >= 0) {
          var index = data.shown[shown];
          holder = el("span", null, "ev");
          holder.tabIndex = 0;
          holder.setAttribute("data-s", index);  // no id: the browser's own jump to
          pieces[index].push(holder);              // #c<start>-<end> would undo goTo's
          block.appendChild(holder);
        }
      }
      var mention = runs[r + 1];
      if (mention >= 0) {
        var m = data.mentions[mention], entity = data.entities[m[0]];
        var a = el("a", piece, "m k" + classIndex[entity.cls] + (m[1] ? " ref" : ""));
        a.href = entityHref(m[0]);
        a.setAttribute("data-e", m[0]);
        holder.appendChild(a);
      } else if (runs[r + 3]) {
        holder.appendChild(el("span", piece, "furniture"));
      } else {
        holder.appendChild(document.createTextNode(piece));
      }
    }
    // room kept for a block out of sight (its lines at about 85 characters)
    var lines = text.slice(start, pos).split("\n").length + (pos - start) / 85;
    block.style.containIntrinsicSize = "auto " + Math.round(lines * 24) + "px";
    container.appendChild(block);
  });

  // --- hover and focus: the facts of a sentence, the entity of a mention ---
  var tip = document.getElementById("tip");
  function statement(f) {
    return data.entities[f[1]].name + " " + f[2] + " " + data.entities[f[3]].name;
  }
  function light(index, on) {
    pieces[index].forEach(function (p) { p.classList.toggle("lit", on); });
  }
  var lit = null;
  function show(target) {
    tip.replaceChildren();
    if (target.matches("a.m")) {
      var entity = data.entities[Number(target.getAttribute("data-e"))];
      tip.appendChild(el("strong", entity.name));
      tip.appendChild(el("div", entity.cls + (target.classList.contains("ref") ?
        ", referred to here" : "") + "; click to open it in the explorer"));
      target = target.closest(".ev") || target;
    }
    if (target.matches(".ev")) {
      var index = Number(target.getAttribute("data-s"));
      if (lit !== null) light(lit, false);
      lit = index;
      light(index, true);
      tip.appendChild(el("strong", "Evidence for " + plural(factsOf[index].length, "fact")));
      var list = el("ul");
      factsOf[index].forEach(function (k) {
        var f = data.facts[k];
        list.appendChild(el("li", statement(f) + " (" + f[4] +
          (f[5] !== null ? ", confidence " + f[5] : "") + ")"));
      });
      tip.appendChild(list);
    }
    var box = target.getBoundingClientRect();
    tip.hidden = false;
    tip.style.left = Math.max(4, Math.min(box.left, window.innerWidth - tip.offsetWidth - 8)) + "px";
    var below = box.bottom + 6;
    tip.style.top = (below + tip.offsetHeight < window.innerHeight ? below :
      Math.max(4, box.top - tip.offsetHeight - 6)) + "px";
  }
  function hide() {
    tip.hidden = true;
    if (lit !== null) light(lit, false);
    lit = null;
  }
  container.addEventListener("mouseover", function (event) {
    var target = event.target.closest && event.target.closest("a.m, .ev");
    if (target) show(target); else hide();
  });
  container.addEventListener("mouseleave", hide);
  container.addEventListener("focusin", function (event) {
    var target = event.target.closest("a.m, .ev");
    if (target) show(target);
  });
  container.addEventListener("focusout", hide);

  // --- the side list: every fact, by sentence, each linked to its place ---
  var factList = document.getElementById("fact-list");
  data.sentences.forEach(function (span, index) {
    if (!factsOf[index].length) return;
    var li = el("li");
    factsOf[index].forEach(function (k) {
      var f = data.facts[k], line = el("div");
      line.appendChild(entityLink(f[1]));
      line.appendChild(el("span", " " + f[2] + " ", "rel"));
      line.appendChild(entityLink(f[3]));
      li.appendChild(line);
    });
    var sentence = text.slice(span[0], span[1]).replace(/\s+/g, " ");
    var where = el("a", "\u201c" + (sentence.length > 90 ? sentence.slice(0, 89) + "\u2026" : sentence) +
      "\u201d" + (data.facts[factsOf[index][0]][6] ? ", page " + data.facts[factsOf[index][0]][6] : ""),
      "where");
    where.href = "#c" + span[0] + "-" + span[1];
    li.appendChild(where);
    factList.appendChild(li);
  });
  document.getElementById("facts-note").textContent = data.facts.length ?
    "Hover or focus an underlined sentence to see its facts; a name opens the entity in the explorer." :
    "The graph holds no fact from this document.";

  // --- #c<start>-<end>: scroll to that sentence (or the one holding its start) and mark it ---
  function sentenceAt(start, end) {
    var best = null;
    data.sentences.forEach(function (span, index) {
      if (!pieces[index].length) return;
      if (span[0] === start && span[1] === end) best = index;
      else if (best === null && span[0] <= start && start < span[1]) best = index;
    });
    return best;
  }
  function goTo(hash) {
    var match = /^#c(\d+)-(\d+)$/.exec(hash);
    if (!match) return null;
    document.querySelectorAll("#text .target").forEach(function (p) { p.classList.remove("target"); });
    var index = sentenceAt(Number(match[1]), Number(match[2]));
    if (index === null) return null;
    pieces[index].forEach(function (p) { p.classList.add("target"); });
    var first = pieces[index][0];
    first.scrollIntoView({ block: "center" });
    // blocks that come into sight are laid out for real only now and may change height:
    // centre again once they have, then focus (which shows the sentence's facts)
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        first.scrollIntoView({ block: "center" });
        first.focus({ preventScroll: true });
        window.documentPage.settled = index;
      });
    });
    return index;
  }
  window.documentPage = { data: data, goTo: goTo, settled: null };
  window.addEventListener("hashchange", function () { goTo(location.hash); });
  window.documentPage.target = goTo(location.hash);
  window.documentReadyAt = performance.now();
})();

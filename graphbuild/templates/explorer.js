// graphbuild explorer: search, filters and evidence panels over a vis-network view.
// All corpus text reaches the page through textContent; nothing here parses HTML.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var SHAPE_SYMBOL = { dot: "\u25cf", square: "\u25a0", diamond: "\u25c6", triangle: "\u25b2",
    triangleDown: "\u25bc", star: "\u2605", hexagon: "\u2b22" };

  var nodeById = new Map(data.nodes.map(function (n) { return [n.id, n]; }));
  var factsOf = new Map();
  data.facts.forEach(function (fact, index) {
    [fact.s, fact.o].forEach(function (id) {
      if (!factsOf.has(id)) factsOf.set(id, []);
      if (factsOf.get(id).indexOf(index) < 0) factsOf.get(id).push(index);
    });
  });

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }
  function labelOf(id) {
    var entity = nodeById.get(id) || data.others[id];
    return entity ? entity.name || entity.label : id;
  }
  function plural(n, word, many) { return n + " " + (n === 1 ? word : many || word + "s"); }

  // --- tooltips (DOM elements, so vis-network never interprets them as HTML) ---
  function nodeTooltip(n) {
    var box = el("div", null, "tip");
    box.appendChild(el("strong", n.name));
    box.appendChild(el("div", "Class: " + n.cls));
    if (n.aliases.length) box.appendChild(el("div", "Also called: " + n.aliases.join("; ")));
    box.appendChild(el("div", "Mentioned in " + plural(n.mentions, "document")));
    box.appendChild(el("div", plural(n.degree, "relation")));
    return box;
  }
  // "added by alice on 2025-06-01": an analyst's mark from the curation file
  function curationText(mark) {
    return mark.what + " by " + mark.by + (mark.date ? " on " + mark.date : "");
  }
  function period(fact) {
    return "Held " + (fact.from ? "from " + fact.from : "") +
      (fact.from && fact.until ? " " : "") + (fact.until ? "until " + fact.until : "");
  }
  function edgeTooltip(fact) {
    var box = el("div", null, "tip");
    box.appendChild(el("strong", labelOf(fact.s) + " " + fact.rel + " " + labelOf(fact.o)));
    box.appendChild(el("div", plural(fact.n, "evidence sentence") + "; click for evidence"));
    if (dated(fact)) box.appendChild(el("div", period(fact)));
    if (fact.curated && fact.curated.length) {
      box.appendChild(el("div", "Curated: " + fact.curated.map(curationText).join("; "), "curated"));
    }
    return box;
  }

  var nodes = new vis.DataSet(data.nodes.map(function (n) {
    return Object.assign({}, n, { title: nodeTooltip(n) });
  }));
  var edges = new vis.DataSet(data.edges.map(function (e) {
    return Object.assign({}, e, { title: edgeTooltip(data.facts[e.id]) });
  }));

  // --- filters ---
  var classOn = new Set(data.classes.map(function (c) { return c.name; }));
  var relationOn = new Set(data.relations.map(function (r) { return r.name; }));
  // Entities without any relation start hidden: they crowd the picture and say nothing about
  // connections. Search still finds them (choosing one lowers the threshold).
  var minDegree = data.edges.length ? 1 : 0;
  function nodeVisible(n) { return classOn.has(n.cls) && n.degree >= minDegree; }
  var nodesView = new vis.DataView(nodes, { filter: nodeVisible });
  // --- time: the network as of a date (YYYY-MM-DD; "" shows every date) ---
  // Periods are as precise as the text ("2015", "2015-02"); compared as strings, a fact held
  // from 2015 holds on any day of 2015, and one held until 2019 has ended on 2019-01-01.
  var asOf = "";
  function dated(fact) { return Boolean(fact.from || fact.until); }
  function heldOn(fact, day) {
    return (!fact.from || fact.from <= day) && (!fact.until || fact.until > day);
  }
  var edgesView = new vis.DataView(edges, { filter: function (e) {
    var fact = data.facts[e.id];
    return relationOn.has(e.rel) && nodeVisible(nodeById.get(e.from)) && nodeVisible(nodeById.get(e.to)) &&
      (!asOf || !dated(fact) || heldOn(fact, asOf));
  } });

  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodesView, edges: edgesView }, data.options);
  // fit() measures labels, whose boxes vis-network knows only once it has drawn them: the
  // first drawing is fitted again, and the page is ready once that is drawn.
  network.once("afterDrawing", function () {
    network.once("afterDrawing", function () {
      fromHash();
      window.explorerReadyAt = performance.now();
      document.body.setAttribute("data-ready", "1");
    });
    network.fit({ animation: false });
    network.redraw();
  });

  function refresh() {
    nodesView.refresh();
    edgesView.refresh();
    document.getElementById("visible-count").textContent =
      plural(nodesView.length, "entity", "entities") + " and " +
      plural(edgesView.length, "relation") + " visible" +
      (minDegree > 0 ? "; " + plural(data.nodes.length - nodesView.length, "entity", "entities") +
        " hidden by the filters" : "");
  }

  function filterList(listId, items, enabled, describe) {
    var list = document.getElementById(listId);
    items.forEach(function (item) {
      var li = el("li");
      var label = el("label");
      var box = el("input");
      box.type = "checkbox";
      box.checked = true;
      box.value = item.name;
      box.addEventListener("change", function () {
        if (box.checked) enabled.add(item.name); else enabled.delete(item.name);
        refresh();
      });
      label.appendChild(box);
      describe(label, item);
      label.appendChild(el("span", item.count, "count"));
      li.appendChild(label);
      list.appendChild(li);
    });
  }
  filterList("class-filter", data.classes, classOn, function (label, c) {
    var swatch = el("span", SHAPE_SYMBOL[c.shape] || "\u25cf", "swatch");
    swatch.style.color = c.color;
    label.appendChild(swatch);
    label.appendChild(el("span", c.name));
  });
  filterList("relation-filter", data.relations, relationOn, function (label, r) {
    label.appendChild(el("span", r.symmetric ? "\u2194" : "\u2192", "swatch"));
    label.appendChild(el("span", r.name));
  });
  if (data.edges.some(function (e) { return e.curated; })) {
    var legend = el("li", "Green: added or confirmed by an analyst", "curated-legend");
    document.getElementById("relation-filter").appendChild(legend);
  }
  document.querySelectorAll(".bulk button").forEach(function (button) {
    button.addEventListener("click", function () {
      var on = button.getAttribute("data-on") === "1";
      var listId = button.getAttribute("data-bulk") === "classes" ? "class-filter" : "relation-filter";
      var enabled = listId === "class-filter" ? classOn : relationOn;
      document.querySelectorAll("#" + listId + " input").forEach(function (box) {
        box.checked = on;
        if (on) enabled.add(box.value); else enabled.delete(box.value);
      });
      refresh();
    });
  });
  var asOfInput = document.getElementById("as-of");
  function setAsOf(day) {
    asOf = day;
    asOfInput.value = day;
    // undated relations stay, dashed, while a date is chosen: the text does not say when
    edges.update(data.edges.filter(function (e) { return !dated(data.facts[e.id]); })
      .map(function (e) { return { id: e.id, dashes: Boolean(day) }; }));
    refresh();
  }
  asOfInput.addEventListener("change", function () { setAsOf(asOfInput.value); });
  document.getElementById("as-of-clear").addEventListener("click", function () { setAsOf(""); });

  var slider = document.getElementById("min-degree");
  slider.max = String(Math.min(20, data.nodes.reduce(function (m, n) { return Math.max(m, n.degree); }, 1)));
  slider.value = String(minDegree);
  document.getElementById("min-degree-value").textContent = slider.value;
  slider.addEventListener("input", function () {
    minDegree = Number(slider.value);
    document.getElementById("min-degree-value").textContent = slider.value;
    refresh();
  });

  // --- side panel ---
  var details = document.getElementById("details");
  function entityButton(id) {
    if (!nodeById.has(id)) return el("span", labelOf(id));
    var button = el("button", labelOf(id), "entity");
    button.type = "button";
    button.addEventListener("click", function () { chooseNode(id); });
    return button;
  }
  function factItem(index) {
    var fact = data.facts[index];
    var li = el("li", null, "fact");
    var statement = el("div", null, "statement");
    statement.appendChild(entityButton(fact.s));
    statement.appendChild(el("span", " " + fact.rel + " ", "rel"));
    statement.appendChild(entityButton(fact.o));
    li.appendChild(statement);
    if (dated(fact)) {
      li.appendChild(el("div", period(fact), "period"));
    } else if (asOf) {
      li.appendChild(el("div", "Undated: the text does not say when this held.", "muted"));
    }
    if (fact.curated && fact.curated.length) {
      li.classList.add("curated-fact");
      li.appendChild(el("div", "Curated: " + fact.curated.map(curationText).join("; "), "curated"));
    }
    fact.evidence.forEach(function (ev) {
      (ev.curation || []).forEach(function (mark) {
        var what = mark.what === "added" ? "Added by an analyst" : "Confirmed by an analyst";
        li.appendChild(el("div", what + ": " + mark.by + (mark.date ? ", " + mark.date : ""),
          "curation " + mark.what));
      });
      li.appendChild(el("blockquote", ev.text));
      li.appendChild(el("cite", ev.source + (ev.title ? " \u2014 " + ev.title : "") +
        (ev.stated ? ", stated " + ev.stated : "")));
      if (ev.doc) {  // the sentence in its document page (documents/<doc-id>.html#c<start>-<end>)
        var open = el("a", "Show in the document", "doc-link");
        open.href = ev.doc;
        li.appendChild(open);
      }
    });
    if (fact.n > fact.evidence.length) {
      li.appendChild(el("div", "+" + plural(fact.n - fact.evidence.length, "more sentence") + " in the graph", "muted"));
    }
    if (fact.n === 0) li.appendChild(el("div", "No evidence record in the graph.", "muted"));
    return li;
  }
  function showNode(id) {
    var n = nodeById.get(id);
    details.replaceChildren();
    details.appendChild(el("h2", n.name));
    details.appendChild(el("div", "Class: " + n.cls));
    if (n.aliases.length) details.appendChild(el("div", "Also called: " + n.aliases.join("; ")));
    details.appendChild(el("div", "Mentioned in " + plural(n.mentions, "source document")));
    var indexes = factsOf.get(id) || [];
    details.appendChild(el("h3", "Relations (" + indexes.length + ")"));
    var list = el("ul", null, "facts");
    indexes.forEach(function (index) { list.appendChild(factItem(index)); });
    details.appendChild(list);
  }
  function showFact(index) {
    details.replaceChildren();
    details.appendChild(el("h2", data.facts[index].rel));
    var list = el("ul", null, "facts");
    list.appendChild(factItem(index));
    details.appendChild(list);
  }
  network.on("click", function (params) {
    if (params.nodes.length) showNode(params.nodes[0]);
    else if (params.edges.length) showFact(params.edges[0]);
  });

  // --- search ---
  var search = document.getElementById("search");
  var suggestions = document.getElementById("suggestions");
  var status = document.getElementById("search-status");
  function matches(query) {
    var q = query.trim().toLowerCase();
    if (!q) return [];
    var found = [];
    data.nodes.forEach(function (n) {
      var names = [n.name].concat(n.aliases).map(function (s) { return s.toLowerCase(); });
      var rank = names[0] === q ? 0 : names.indexOf(q) > 0 ? 1
        : names[0].indexOf(q) === 0 ? 2 : names.some(function (s) { return s.indexOf(q) === 0; }) ? 3
        : names.some(function (s) { return s.indexOf(q) >= 0; }) ? 4 : -1;
      if (rank >= 0) found.push({ node: n, rank: rank });
    });
    found.sort(function (a, b) { return a.rank - b.rank || b.node.degree - a.node.degree; });
    return found.slice(0, 12).map(function (f) { return f.node; });
  }
  function showSuggestions() {
    suggestions.replaceChildren();
    var found = matches(search.value);
    found.forEach(function (n) {
      var li = el("li", n.name);
      li.appendChild(el("span", n.cls, "cls"));
      li.addEventListener("click", function () { chooseNode(n.id); });
      suggestions.appendChild(li);
    });
    status.textContent = search.value.trim() && !found.length ? "No entity of this view has that name." : "";
    return found;
  }
  search.addEventListener("input", showSuggestions);
  search.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    var found = showSuggestions();
    if (found.length) chooseNode(found[0].id);
  });
  function reveal(n) {
    if (!classOn.has(n.cls)) {
      classOn.add(n.cls);
      document.querySelectorAll("#class-filter input").forEach(function (box) {
        if (box.value === n.cls) box.checked = true;
      });
    }
    if (n.degree < minDegree) {
      minDegree = n.degree;
      slider.value = String(n.degree);
      document.getElementById("min-degree-value").textContent = slider.value;
    }
    refresh();
  }
  function chooseNode(id) {
    var n = nodeById.get(id);
    reveal(n);
    suggestions.replaceChildren();
    network.selectNodes([id]);
    network.focus(id, { scale: Math.max(network.getScale(), 1), animation: false });
    showNode(id);
    status.textContent = "Selected " + n.name;
  }

  // explorer.html#entity=IRI, as a document page links a mention: select that entity
  function fromHash() {
    var match = /^#entity=(.+)$/.exec(location.hash);
    if (!match) return;
    var id;
    try { id = decodeURIComponent(match[1]); } catch (error) { return; }
    if (nodeById.has(id)) { chooseNode(id); return; }
    details.replaceChildren();
    details.appendChild(el("h2", labelOf(id) === id ? id.split("/").pop() : labelOf(id)));
    details.appendChild(el("p", "Not drawn in this view: `graphbuild view --focus NAME` " +
      "draws its neighbourhood.", "muted"));
  }
  window.addEventListener("hashchange", fromHash);

  document.getElementById("source").textContent = "Graph: " + data.meta.source;
  document.getElementById("note").textContent = data.meta.note;
  refresh();
  window.explorer = { network: network, nodes: nodes, edges: edges, chooseNode: chooseNode, data: data };
})();

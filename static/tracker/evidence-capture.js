/* Evidence from a phone: photos downscaled before upload, a progress bar, a retry on a flaky network.
 *
 * - <input type="file" data-downscale>: each photo over MAX_PIXELS (2 megapixels) is redrawn on a
 *   canvas and sent as a JPEG (orientation applied; the canvas keeps no EXIF, so no GPS either).
 *   Other files (PDF, Word, small images) are sent as they are.
 * - A form with [data-upload] shows its <progress data-upload-progress> while htmx sends it, and
 *   on a network error keeps everything typed and chosen and offers [data-upload-retry]; it also
 *   retries once by itself when the browser comes back online.
 */
(function () {
  "use strict";

  var MAX_PIXELS = 2000000;
  var QUALITY = 0.85;
  var SCALABLE = /^image\/(jpeg|png|webp)$/;

  function jpegName(name) {
    return name.replace(/\.[^./\\]*$/, "") + ".jpg";
  }

  function downscale(file) {
    if (!SCALABLE.test(file.type) || !window.createImageBitmap) { return Promise.resolve(file); }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var pixels = bitmap.width * bitmap.height;
      if (pixels <= MAX_PIXELS) { bitmap.close(); return file; }
      var scale = Math.sqrt(MAX_PIXELS / pixels);
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.floor(bitmap.width * scale));
      canvas.height = Math.max(1, Math.floor(bitmap.height * scale));
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: Date.now() }) : file);
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });  // not decodable here: the server checks and previews it
  }

  function setBusy(form, busy) {
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.disabled = busy;
    });
    form.toggleAttribute("data-preparing", busy);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-downscale]") || !input.files.length) { return; }
    if (!window.DataTransfer) { return; }
    var form = input.form;
    if (form) { setBusy(form, true); }
    Promise.all(Array.prototype.map.call(input.files, downscale)).then(function (files) {
      var transfer = new DataTransfer();
      files.forEach(function (file) { transfer.items.add(file); });
      input.files = transfer.files;
    }).finally(function () { if (form) { setBusy(form, false); } });
  });

  function parts(form) {
    return {
      bar: form.querySelector("[data-upload-progress]"),
      failed: form.querySelector("[data-upload-failed]"),
    };
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-upload]");
    if (!form) { return; }
    var p = parts(form);
    if (p.failed) { p.failed.hidden = true; }
    if (p.bar) { p.bar.removeAttribute("value"); p.bar.hidden = false; }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("form[data-upload]");
    if (!form || !event.detail.lengthComputable) { return; }
    var bar = parts(form).bar;
    if (bar) { bar.max = event.detail.total; bar.value = event.detail.loaded; }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-upload]");
    if (!form) { return; }
    var bar = parts(form).bar;
    if (bar) { bar.hidden = true; }
  });

  function failed(event) {
    var form = event.target.closest && event.target.closest("form[data-upload]");
    if (!form) { return; }
    var p = parts(form);
    if (p.bar) { p.bar.hidden = true; }
    if (p.failed) { p.failed.hidden = false; }
    form.setAttribute("data-upload-pending", "");
  }

  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:timeout", failed);

  document.addEventListener("click", function (event) {
    var retry = event.target.closest && event.target.closest("[data-upload-retry]");
    if (!retry || !retry.form) { return; }
    event.preventDefault();
    retry.form.removeAttribute("data-upload-pending");
    retry.form.requestSubmit();
  });

  window.addEventListener("online", function () {
    document.querySelectorAll("form[data-upload][data-upload-pending]").forEach(function (form) {
      form.removeAttribute("data-upload-pending");
      form.requestSubmit();
    });
  });
})();

/*
 * Editor helpers shared by the Lookout nodes' .html files (plain browser JS, no build step).
 * Node-RED serves a module's `resources/` folder at `resources/<module>/<file>` (@node-red/registry
 * `getModuleResource`, @node-red/editor-api `/resources/:module/*`); the repository root has a
 * committed symlink `resources -> nodes/resources`, as `examples -> flows`. Each node's .html loads
 * this file with `<script src="resources/@lookout-nvr/node-red-lookout/lookout-editor.js">`, and the editor runs the node's
 * own scripts only after it has loaded (editor-client `appendConfig`). Every node loads it, so it
 * defines `LookoutEditor` once and leaves an existing one alone.
 */
(function () {
  'use strict';
  if (window.LookoutEditor) return;

  /** Camera ids as Lookout's config accepts them (nodes/lib/camera-node.ts checks the same). */
  var CAMERA_ID = '[a-z0-9][a-z0-9_-]{0,63}';

  /** One labelled form row; the label text comes from the node's catalog (`<type>.label.<field>`). */
  function row(type, prefix, field, icon, input) {
    return (
      '<div class="form-row"><label for="' +
      prefix +
      '-' +
      field +
      '"><i class="fa fa-' +
      icon +
      '"></i> <span data-i18n="' +
      type +
      '.label.' +
      field +
      '"></span></label>' +
      input +
      '</div>'
    );
  }

  function textInput(prefix, field, placeholder) {
    var hint = placeholder ? ' placeholder="' + placeholder + '"' : '';
    return '<input type="text" id="' + prefix + '-' + field + '"' + hint + ' />';
  }

  /**
   * Wraps the node's own rows in its edit template with the rows every node shares. The editor reads
   * the template each time the dialog opens, so changing it once at registration is enough; the
   * template therefore stands before the registration script in each .html.
   */
  function wrapTemplate(type, head, tail) {
    var template = $('script[data-template-name="' + type + '"]');
    if (template.length !== 1) throw new Error('lookout: no edit template for ' + type);
    template.html(head + template.html() + tail);
  }

  /** The stream profile picker (camera and snapshot nodes). */
  function profileRow(type, prefix) {
    var select =
      '<select id="' +
      prefix +
      '-profile"><option value="main">main</option><option value="sub">sub</option></select>';
    return row(type, prefix, 'profile', 'film', select);
  }

  /** The name row of every node, config node included (prefix `node-config-input` there). */
  function nameRow(type, prefix) {
    return row(type, prefix, 'name', 'tag', textInput(prefix, 'name'));
  }

  window.LookoutEditor = {
    /**
     * Registers a camera node: the shared defaults (name, config-node select `server`, `camera` with
     * its id check; required unless msg.camera may give it), category and colour, and the server,
     * camera and name rows around the node's own rows. `options.profile` adds the stream profile
     * (`main` / `sub`) after the camera. `definition.defaults` holds the rest.
     */
    registerCameraNode: function (type, options, definition) {
      var pattern = options.cameraRequired ? '^' + CAMERA_ID + '$' : '^(' + CAMERA_ID + ')?$';
      var defaults = {
        name: { value: '' },
        server: { value: '', type: 'lookout-config', required: true },
        camera: {
          value: '',
          required: !!options.cameraRequired,
          validate: RED.validators.regex(new RegExp(pattern)),
        },
      };
      if (options.profile) defaults.profile = { value: 'main' };
      for (var key in definition.defaults) defaults[key] = definition.defaults[key];
      var prefix = 'node-input';
      wrapTemplate(
        type,
        row(type, prefix, 'server', 'server', textInput(prefix, 'server')) +
          row(type, prefix, 'camera', 'video-camera', textInput(prefix, 'camera', options.placeholder)) +
          (options.profile ? profileRow(type, prefix) : ''),
        nameRow(type, prefix),
      );
      var full = { category: 'Lookout', color: '#87A980' };
      for (var k in definition) full[k] = k === 'defaults' ? defaults : definition[k];
      RED.nodes.registerType(type, full);
    },

    /** Registers the config node, whose template gets the shared name row first. */
    registerConfigNode: function (type, definition) {
      wrapTemplate(type, nameRow(type, 'node-config-input'), '');
      RED.nodes.registerType(type, definition);
    },

    /**
     * An `oneditprepare` that shows each group of rows only for the actions it applies to:
     * `rules` maps a selector to a test of the chosen `#node-input-action` value.
     */
    showForAction: function (rules) {
      return function () {
        $('#node-input-action')
          .on('change', function () {
            var action = String($(this).val());
            for (var selector in rules) $(selector).toggle(rules[selector](action));
          })
          .trigger('change');
      };
    },
  };
})();

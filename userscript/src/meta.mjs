// ==UserScript==
// @name         RaterHub Tracker
// @namespace    https://github.com/raterhub-tracker
// @version      1.1.0
// @description  Times every RaterHub task (NEXT / PAUSE / EXIT / UNDO) against your own RaterHub Tracker server. Works offline; never double-counts.
// @author       RaterHub Tracker
// @license      MIT
// @match        https://*.raterhub.com/*
// @match        https://raterhub.com/*
// @match        *://__RHT_HOST__/overlay*
// @run-at       document-idle
// @grant        GM_xmlhttpRequest
// @grant        GM.xmlHttpRequest
// @grant        GM_getValue
// @grant        GM.getValue
// @grant        GM_setValue
// @grant        GM.setValue
// @grant        GM_deleteValue
// @grant        GM.deleteValue
// @grant        GM_listValues
// @grant        GM.listValues
// @grant        GM_addValueChangeListener
// @grant        GM.addValueChangeListener
// @connect      __RHT_HOST__
// @downloadURL  __RHT_ORIGIN__/userscript/raterhub-tracker.user.js
// @updateURL    __RHT_ORIGIN__/userscript/raterhub-tracker.user.js
// ==/UserScript==

/*
 * Built from userscript/src/*.mjs by the server's build script (server/build.rs): the
 * metadata block above comes first, then every module in order, wrapped in one function.
 *
 * NDA: only the task id (from the URL's taskIds parameter), the AET (as seconds) and
 * timestamps ever leave the page. Never page content, never URLs.
 */

// Filled in by the server when it serves this file; an unfilled placeholder means "ask the user".
export const DEFAULT_SERVER_URL = '__RHT_ORIGIN__';
export const SCRIPT_VERSION = '1.1.0';

/** The tracker's own Overlay page (also matched) only learns that the script runs. */
export const TRACKER_OVERLAY_PATH = /^\/overlay\/?$/;

;;; eglot-test.el --- eglot drives `airules serve' in batch Emacs  -*- lexical-binding: t -*-

;; Run by run.sh beside this file:  emacs --batch -l eglot-test.el
;; Environment: AIRULES_BIN (the binary), AIRULES_TEST_WS (a scratch copy of
;; the workspace; this test writes a rule file into it).
;; Prints one "PASS <check>" / "FAIL <check>: <why>" line per check and
;; exits 1 when any check failed.

;;; Code:

(require 'package)
(package-initialize)                    ; Debian's elpa-eglot lives in site-lisp/elpa
(require 'eglot)
(require 'flymake)
(require 'cl-lib)

(defvar airules-test-bin (getenv "AIRULES_BIN"))
(defvar airules-test-ws (file-name-as-directory (getenv "AIRULES_TEST_WS")))
(defvar airules-test-failed nil)

(defun airules-test-report (ok name &optional why)
  (princ (format "%s %s%s\n" (if ok "PASS" "FAIL") name
                 (if why (concat ": " (replace-regexp-in-string "\n" " | " why)) "")))
  (unless ok (setq airules-test-failed t)))

(defmacro airules-test-check (name &rest body)
  "Run BODY as the check NAME; an error inside it is its failure."
  (declare (indent 1))
  `(condition-case err
       (progn ,@body (airules-test-report t ,name) t)
     (error (airules-test-report nil ,name (error-message-string err)) nil)))

(defun airules-test-wait (what seconds pred)
  "Process events until PRED returns non-nil (returned), or fail after SECONDS."
  (let ((deadline (+ (float-time) seconds)) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    (or value (error "Timed out after %ss waiting for %s" seconds what))))

;; Emacs 28 ships neither markdown-mode nor elixir-mode: stand-ins, each
;; sending the language id a real mode would.
(define-derived-mode airules-test-rule-mode text-mode "AI-Rule")
(define-derived-mode airules-test-elixir-mode prog-mode "Elixir")
(add-to-list 'auto-mode-alist '("\\.md\\'" . airules-test-rule-mode))
(add-to-list 'auto-mode-alist '("\\.exs?\\'" . airules-test-elixir-mode))

;; The configuration editors/README.md recommends, with the stand-in modes.
(setq eglot-server-programs
      `((((airules-test-rule-mode :language-id "markdown")
          (airules-test-elixir-mode :language-id "elixir"))
         . (,airules-test-bin "serve" :initializationOptions (:maxTokens 8000)))))
;; A folder with .ai-rules is a project even without version control.
(add-hook 'project-find-functions
          (lambda (dir)
            (let ((root (locate-dominating-file dir ".ai-rules")))
              (and root (cons 'transient (expand-file-name root))))))

(defun airules-test-cli-ids (file)
  "The rule ids `airules context --json' lists for FILE."
  (with-temp-buffer
    (let ((status (call-process airules-test-bin nil '(t nil) nil
                                "context" "--root" airules-test-ws "--json" file)))
      (unless (eq status 0) (error "airules context exited %s: %s" status (buffer-string)))
      (goto-char (point-min))
      (let ((json (json-parse-buffer :object-type 'plist :null-object nil :array-type 'list)))
        (mapcar (lambda (r) (plist-get r :id)) (plist-get json :rules))))))

(defun airules-test-connect (file)
  "Visit FILE and start eglot there; return the buffer."
  (let ((buf (find-file-noselect file)))
    (with-current-buffer buf
      (apply #'eglot (eglot--guess-contact))
      (airules-test-wait "eglot to manage the buffer" 20
                         (lambda () (with-current-buffer buf (eglot-managed-p)))))
    buf))

(defun airules-test-airules-diagnostics ()
  ;; Flymake defers its first run until the buffer is displayed, which never
  ;; happens in batch Emacs: start it by hand (eglot's backend then reports
  ;; what the server published).
  (flymake-start)
  (cl-remove-if-not (lambda (d) (string-match-p "AIR[0-9]+" (flymake-diagnostic-text d)))
                    (flymake-diagnostics)))

(defun airules-test-run ()
  (let* ((src (expand-file-name "lib/app_web/live/page_live.ex" airules-test-ws))
         (broken (expand-file-name ".ai-rules/00-global/zz-eglot-broken.md" airules-test-ws))
         src-buf server expected)
    (princ (format "INFO emacs %s, eglot %s\n" emacs-version
                   (package-version-join (package-desc-version (cadr (assq 'eglot package-alist))))))
    (airules-test-check "eglot starts airules serve for a source file"
      (setq src-buf (airules-test-connect src))
      (setq server (with-current-buffer src-buf (eglot-current-server))))
    (unless server (error "no server"))

    (airules-test-check "airules/context over eglot matches the CLI"
      (setq expected (airules-test-cli-ids src))
      (unless expected (error "the CLI lists no rules for %s" src))
      (let* ((result (jsonrpc-request server :airules/context
                                      (list :textDocument (list :uri (eglot--path-to-uri src)))))
             (ids (mapcar (lambda (r) (plist-get r :id)) (append (plist-get result :rules) nil))))
        (unless (equal ids expected)
          (error "got %S, CLI %S" ids expected))))

    (airules-test-check "hover lists the rules"
      (let* ((result (jsonrpc-request server :textDocument/hover
                                      (list :textDocument (list :uri (eglot--path-to-uri src))
                                            :position (list :line 0 :character 0))))
             (contents (plist-get result :contents))
             (text (if (stringp contents) contents (plist-get contents :value))))
        (dolist (id expected)
          (unless (and text (string-search id text))
            (error "%s is not in the hover: %s" id text)))))

    (with-temp-file broken
      (insert "---\ndescription: Broken by the eglot test\npriority: high\n"
              "scope: [global]\nalwaysApply: true\n---\n- Body.\n"))
    (let ((rule-buf (find-file-noselect broken)) diagnosed)
      (with-current-buffer rule-buf
        (airules-test-wait "eglot to manage the rule file" 20 #'eglot-managed-p)
        (setq diagnosed
              (airules-test-check "AIR004 on the line of `priority: high'"
                (let ((diag (airules-test-wait
                             "diagnostic AIR004" 20
                             (lambda ()
                               (cl-find-if (lambda (d) (string-match-p "AIR004" (flymake-diagnostic-text d)))
                                           (airules-test-airules-diagnostics))))))
                  (let ((line (line-number-at-pos (flymake-diagnostic-beg diag))))
                    (unless (= line 3) (error "AIR004 on line %d, want 3 (1-based)" line))))))
        (airules-test-check "fixing the line clears the diagnostics"
          (unless diagnosed (error "no diagnostic to clear"))
          (goto-char (point-min))
          (forward-line 2)
          (delete-region (line-beginning-position) (line-end-position))
          (insert "priority: 50")
          ;; eglot sends didChange from an idle timer; batch Emacs is never idle.
          (eglot--signal-textDocument/didChange)
          (airules-test-wait "no airules diagnostics" 20
                             (lambda () (null (airules-test-airules-diagnostics)))))))

    (ignore-errors (eglot-shutdown server))))

(condition-case err
    (airules-test-run)
  (error (airules-test-report nil "eglot test" (error-message-string err))))
(kill-emacs (if airules-test-failed 1 0))

;;; eglot-test.el ends here

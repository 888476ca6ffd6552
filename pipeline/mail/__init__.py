"""Mail intake and replies: OPDs email their files, the secretariat replies with feedback.

Intake comes before ingest and ingest never talks to a mail server:

* :func:`pipeline.mail.intake.ambil` (``python -m pipeline ambil``) reads new IMAP mail
  (read-only) and the ``.eml`` / ``.msg`` files dropped into the input folder, saves each
  workbook attachment from a known sender into the input folder and records everything in the
  submission ledger (:mod:`pipeline.mail.ledger`).
* :func:`pipeline.mail.reply.plan` / :func:`pipeline.mail.reply.send` (``python -m pipeline
  balas``) answer each OPD with its feedback workbook, once per distinct feedback.

For the report (reading the ledger; nothing here writes):
:func:`~pipeline.mail.ledger.ledger_path`,
:func:`~pipeline.mail.ledger.read_ledger` (one :class:`~pipeline.mail.ledger.Receipt` per
received attachment), :func:`~pipeline.mail.ledger.received_files` (input file name → its
receipt: server receipt time ``diterima``, sender, ``kode_opd`` by sender, ``opd_meta``),
:func:`~pipeline.mail.ledger.read_messages`, :func:`~pipeline.mail.ledger.last_message` and
:func:`~pipeline.mail.ledger.ledger_frame`. The columns and their meaning are documented in
:mod:`pipeline.mail.ledger`.
"""

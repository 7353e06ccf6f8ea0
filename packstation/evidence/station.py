"""The station's side of the evidence: the camera's state for claims, a photo at each defect.

Built by `packstation run` only when `[camera] url` is set. The station app wires its
`watch` like the other devices (the device bar); the runner's backend hands
`camera()` to the workflow's context at every decision (the claim's check,
`packstation.domain.evidence`) and holds the buyer's defect notification for
`PHOTO_HOLD_S` so the photo can join it; after a decision with a `defect.recorded`
is committed, the runner calls `committed`, and a thread of its own here copies the
recorder's latest still (`photos.take_photo`) and stores it (`events.record_photo`):
neither the UI loop nor the next scan waits for the disk.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from packstation.clock import Clock, utcnow
from packstation.domain.evidence import CameraState
from packstation.domain.workflow.records import DefectRecorded, NotificationQueued, Record
from packstation.evidence.settings import EvidenceSettings
from packstation.evidence.watch import CameraWatch

if TYPE_CHECKING:
    from packstation.models.db import Database

__all__ = ["DEFECT_TEMPLATE", "PHOTO_HOLD_S", "PhotoJob", "StationEvidence"]

log = logging.getLogger(__name__)

#: Seconds the buyer's defect notification waits for its photo. Released as soon as the
#: photo (or the reason there is none) is stored; after this it goes without one, so a
#: station that dies between the defect and the photo delays it at most this long.
PHOTO_HOLD_S = 30.0
#: The notification template of a defect (`domain.workflow.subflows.pick_kind`).
DEFECT_TEMPLATE = "order_defect"
#: Attempts to store a photo's event when the database does not answer.
STORE_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class PhotoJob:
    order_id: str
    name: str
    defect: dict[str, Any]
    notification_key: str


class StationEvidence:
    def __init__(
        self,
        settings: EvidenceSettings,
        *,
        clock: Clock = utcnow,
        watch: CameraWatch | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.watch = watch or CameraWatch(settings, clock=clock)
        self._database: Callable[[], Database] | None = None
        self._jobs: queue.Queue[PhotoJob | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        #: Photos stored (or found missing) so far: tests wait on it.
        self.photos_done = 0

    def camera(self) -> CameraState:
        """The camera as last read by the watch ("unknown" before its first read)."""
        return self.watch.camera_state()

    def attach(self, database: Callable[[], Database]) -> None:
        """Where photos' events are stored: the station's database (opened by its worker)."""
        self._database = database

    # --- photos at defects -------------------------------------------------------------

    def committed(self, records: Sequence[Record]) -> None:
        """A decision's records are committed: a photo for each defect among them."""
        keys = {
            r.order_id: r.key
            for r in records
            if isinstance(r, NotificationQueued) and r.template == DEFECT_TEMPLATE
        }
        for record in records:
            if isinstance(record, DefectRecorded):
                kind = record.defect.value
                self._submit(
                    PhotoJob(
                        record.order_id,
                        f"defect-{record.line_id}-{kind}",
                        {"line_id": record.line_id, "sku": record.sku, "kind": kind},
                        keys.get(record.order_id, ""),
                    )
                )

    def _submit(self, job: PhotoJob) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="evidence-photos")
                self._thread.daemon = True
                self._thread.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                self.take(job)
            except Exception:  # one photo must not end the thread
                log.exception("photo of %s failed", job.order_id)
            finally:
                self.photos_done += 1

    def take(self, job: PhotoJob) -> None:
        """Copy the latest still and store its event (or why there is none)."""
        from packstation.evidence.files import EvidenceError
        from packstation.evidence.photos import Photo, take_photo

        photo: Photo | None = None
        error = ""
        paths = self.settings.station()
        try:
            photo = take_photo(paths, job.order_id, job.name, now=self.clock())
        except (EvidenceError, OSError) as exc:
            error = str(exc)
            log.warning("no photo of the defect in %s: %s", job.order_id, error)
        self._store(job, photo, error)

    def _store(self, job: PhotoJob, photo: Any, error: str) -> None:
        from packstation.evidence.events import record_photo

        if self._database is None:
            log.error("photo of %s not stored: no database attached", job.order_id)
            return
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                with self._database().unit_of_work() as session:
                    record_photo(
                        session,
                        order_id=job.order_id,
                        station_id=self.settings.station_id,
                        now=self.clock(),
                        evidence_dir=self.settings.dir,
                        photo=photo,
                        error=error,
                        notification_key=job.notification_key,
                        defect=job.defect,
                    )
                return
            except Exception as exc:
                log.warning("storing the photo of %s (attempt %d): %s", job.order_id, attempt, exc)
                if attempt == STORE_ATTEMPTS:
                    log.error("photo of %s kept on disk but not in the events", job.order_id)
                else:
                    threading.Event().wait(attempt)

    def stop(self, timeout: float = 5.0) -> None:
        """Take the photos asked for, then end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._jobs.put(None)
            thread.join(timeout)

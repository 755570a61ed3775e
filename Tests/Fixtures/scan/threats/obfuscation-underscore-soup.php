<?php // MOGURA TEST SAMPLE — inert
exit; // the sample stops here: nothing below ever runs

$_ = "str" . "len";
$__ = "hello";
$___ = $_($__);
echo $___;
